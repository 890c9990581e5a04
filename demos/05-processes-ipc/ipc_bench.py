#!/usr/bin/python3
"""ipc_bench.py - the Python version of exercise 05's lesson, timed for
./kit bench ipc (bench.c runs it beside the C and prints the ratios).

The code is the lesson's multiprocessing code: a Pool started, mapped over
tiny tasks with several chunk sizes and stopped; a reader process fed through
Pipe() and through Queue() with the integers 0..count-1 and then 'DONE';
Pipe().send_bytes of large messages; and Fibonacci tasks serially, on threads
and in processes. Rates are the best of 3 runs, as bench.c's. Prints one JSON
object.

usage: ipc_bench.py [--quick] [--procs P]
"""
import json
import sys
import time
from multiprocessing import Pipe, Pool, Process, Queue


def square(x):
    return x * x


def reader_proc(pipe):
    p_output, p_input = pipe
    p_input.close()
    while True:
        msg = p_output.recv()
        if msg == 'DONE':
            break


def writer(count, p_input):
    for ii in range(0, count):
        p_input.send(ii)
    p_input.send('DONE')


def pipe_rate(count):
    p_output, p_input = Pipe()
    reader_p = Process(target=reader_proc, args=((p_output, p_input),))
    reader_p.daemon = True
    reader_p.start()
    p_output.close()
    start = time.time()
    writer(count, p_input)
    p_input.close()
    reader_p.join()
    return count / (time.time() - start)


def queue_reader(queue):
    while True:
        msg = queue.get()
        if msg == 'DONE':
            break


def queue_rate(count):
    pqueue = Queue()
    reader_p = Process(target=queue_reader, args=(pqueue,))
    reader_p.daemon = True
    reader_p.start()
    start = time.time()
    for ii in range(0, count):
        pqueue.put(ii)
    pqueue.put('DONE')
    reader_p.join()
    return count / (time.time() - start)


def big_reader(conn, n):
    for _ in range(n):
        conn.recv_bytes()


def big_rate(size, n):
    a, b = Pipe()
    reader_p = Process(target=big_reader, args=(a, n))
    reader_p.start()
    data = bytes(size)
    start = time.time()
    for _ in range(n):
        b.send_bytes(data)
    reader_p.join()
    return size * n / (time.time() - start)


def fibonacci(n):
    return n if n < 2 else fibonacci(n - 1) + fibonacci(n - 2)


def fib_times(k, tasks):
    import threading
    start = time.time()
    for _ in range(tasks):
        fibonacci(k)
    serial = time.time() - start
    times = {'serial': serial}
    for name, kind in (('threads', threading.Thread), ('processes', Process)):
        workers = [kind(target=fibonacci, args=(k,)) for _ in range(tasks)]
        start = time.time()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        times[name] = time.time() - start
    return times


def pool_rates(ntasks, chunks, procs):
    # The pool started, used and stopped, as the lesson's code does ('with
    # Pool(n) as p: p.map(...)') and as kit_pool_map does in C (it forks its
    # workers and reaps them in every call): the same work on both sides.
    out = {}
    for c in chunks:
        best = 0
        for _ in range(3):
            start = time.time()
            with Pool(procs) as pool:
                res = pool.map(square, range(ntasks), c)
            best = max(best, ntasks / (time.time() - start))
            assert res[-1] == (ntasks - 1) ** 2
        out[str(c)] = best
    return out


if __name__ == '__main__':
    quick = '--quick' in sys.argv
    procs = int(sys.argv[sys.argv.index('--procs') + 1]) if '--procs' in sys.argv else 2
    count = 10**4 if quick else 10**5
    big = 8 << 20
    print(json.dumps({
        'python': sys.version.split()[0],
        'count': count,
        'pool_tasks': count,
        'pool': pool_rates(count, [1, 10, 100, 1000], procs),
        'pipe': max(pipe_rate(count) for _ in range(3)),     # the best of 3, as the C
        'queue': max(queue_rate(count) for _ in range(3)),
        'big_bytes': big,
        'big': big_rate(big, 4 if quick else 16),
        'fib_k': 22 if quick else 30,
        'fib_tasks': procs,
        'fib': fib_times(22 if quick else 30, procs),
    }))
