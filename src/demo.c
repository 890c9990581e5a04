/*
 * demo.c - kit_demo_main: the main() of every demo program (demo.h), and
 * kit_demo_python: the Python version a benchmark runs beside its C.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "demo.h"
#include "kit.h"

const kit_demo *kit_demo_find(const kit_demo_table *t, const char *name)
{
	for (const kit_demo *d = t->demos; name && d->name; d++)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* "unknown demo 'X'; did you mean 'Y'? (the demos: a, b; PROG --help ...)",
 * the shape of opt.c's unknown option, with the nearest name when close. */
static void unknown(const kit_demo_table *t, const char *name)
{
	const char *best = NULL;
	int bd = 1000;
	kit_buf names = { 0 };
	for (const kit_demo *d = t->demos; d->name; d++) {
		int dist = kit_opt_distance(name, d->name);
		if (dist < bd) {
			bd = dist;
			best = d->name;
		}
		kit_buf_printf(&names, "%s%s", d == t->demos ? "" : ", ", d->name);
	}
	int limit = (int)strlen(name) / 3 > 2 ? (int)strlen(name) / 3 : 2;
	kit_buf hint = { 0 };
	if (best && bd <= limit)
		kit_buf_printf(&hint, "; did you mean '%s'?", best);
	kit_error("unknown demo '%s'%s (the demos: %s; %s --help says what each shows)", name,
		  kit_buf_str(&hint), kit_buf_str(&names), t->program);
	kit_buf_free(&hint);
	kit_buf_free(&names);
}

/* --help's paragraph: the table's, then each demo and its line, wrapped at
 * 79 columns under the line's start. */
static void about(const kit_demo_table *t, kit_buf *b)
{
	int w = 0;
	for (const kit_demo *d = t->demos; d->name; d++)
		if ((int)strlen(d->name) > w)
			w = (int)strlen(d->name);
	if (t->about)
		kit_buf_printf(b, "%s\n\n", t->about);
	kit_buf_add_str(b, "demos (--demo NAME):\n");
	for (const kit_demo *d = t->demos; d->name; d++) {
		kit_buf_printf(b, "  %-*s ", w, d->name);
		int col = w + 3;
		for (const char *s = d->about ? d->about : ""; *s;) {
			while (*s == ' ')
				s++;
			int len = (int)strcspn(s, " ");
			if (col + 1 + len > 79 && col > w + 3) {
				kit_buf_printf(b, "\n%*s", w + 3, "");
				col = w + 3;
			}
			kit_buf_printf(b, " %.*s", len, s);
			col += 1 + len;
			s += len;
		}
		kit_buf_add_str(b, "\n");
	}
}

static void free_counts(const kit_opt *o)
{
	for (; o && o->kind != KIT_OPT_KIND_END; o++)
		if (o->kind == KIT_OPT_KIND_COUNTS)
			kit_opt_counts_free(o->target);
}

int kit_demo_main(int argc, char **argv, const kit_demo_table *t)
{
	kit_demo_args a = { 0 };
	const char *P = t->program;
	kit_buf ab = { 0 }, usage = { 0 }, out_help = { 0 }, ex = { 0 };
	about(t, &ab);
	kit_buf_printf(&usage, "%s --demo NAME [--quick] [--out DIR] [options]", P);
	if (t->bench)
		kit_buf_printf(&usage, "\n%s --bench [--quick] [--out DIR] [options]", P);
	if (t->out_help)
		kit_buf_add_str(&out_help, t->out_help);
	else
		kit_buf_printf(&out_help, "where the files go (default: results/demos/NAME%s)",
			       t->bench ? ",\nresults/bench/..." : "");
	if (t->examples)
		kit_buf_add_str(&ex, t->examples);
	else {
		kit_buf_printf(&ex, "  %s --demo %s\n  %s --demo %s --quick --out /tmp/demo\n", P,
			       t->demos[0].name, P, t->demos[0].name);
		if (t->bench)
			kit_buf_printf(&ex, "  %s --bench --quick --out /tmp/bench\n", P);
	}
	kit_opt common[7];
	int k = 0;
	common[k++] = (kit_opt)KIT_OPT_GROUP("options:");
	common[k++] = (kit_opt)KIT_OPT_STRING(0, "demo", &a.name, "NAME", "the demo to run (listed above)");
	if (t->bench)
		common[k++] = (kit_opt)KIT_OPT_BOOL(0, "bench", &a.bench,
						    t->bench_about ? t->bench_about : "the benchmark");
	common[k++] = (kit_opt)KIT_OPT_BOOL(0, "quick", &a.quick, t->quick_help ? t->quick_help :
					    "test-sized (a few seconds)");
	common[k++] = (kit_opt)KIT_OPT_STRING(0, "out", &a.out, "DIR", kit_buf_str(&out_help));
	common[k++] = (kit_opt)KIT_OPT_END;
	const kit_opt *tables[] = { common, t->options, NULL };
	kit_opt_prog p = { .name = P, .usage = kit_buf_str(&usage), .about = kit_buf_str(&ab),
			   .tables = tables, .examples = kit_buf_str(&ex) };

	int rc = kit_init(argc, argv) ? -1 : kit_opt_parse(&p, argc, argv);
	const kit_demo *d = NULL;
	if (rc == KIT_OPT_HELP) {
		rc = KIT_EXIT_OK;
	} else if (rc) {
		rc = KIT_EXIT_USAGE;
	} else if (!a.name == !a.bench) {
		if (t->bench)
			kit_error("choose one of --demo NAME and --bench (%s --help lists the demos)", P);
		else
			kit_error("say which demo: --demo NAME (%s --help lists them)", P);
		rc = KIT_EXIT_USAGE;
	} else if (a.name && !(d = kit_demo_find(t, a.name))) {
		unknown(t, a.name);
		rc = KIT_EXIT_USAGE;
	} else {
		rc = d ? d->run(&a, t->ctx) : t->bench(&a, t->ctx);
	}
	free_counts(t->options);
	kit_buf_free(&ab);
	kit_buf_free(&usage);
	kit_buf_free(&out_help);
	kit_buf_free(&ex);
	return rc;
}

/* The first line of TEXT (at most 160 bytes) into BUF. */
static const char *first_line(const char *text, char *buf, size_t len)
{
	snprintf(buf, len < 160 ? len : 160, "%s", text ? text : "");
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

cJSON *kit_demo_python(const char *script, const char *const *args, double timeout,
		       char *why, size_t why_len)
{
	char *path = kit_xasprintf("%s/%s", kit_root(), script);
	const char *name = strrchr(script, '/') ? strrchr(script, '/') + 1 : script;
	const char *argv[64] = { KIT_DEMO_PYTHON, path };
	int n = 2;
	for (; args && args[n - 2] && n < 63; n++)
		argv[n] = args[n - 2];
	argv[n] = NULL;
	static const char *const env[] = { "OMP_NUM_THREADS=1", "OPENBLAS_NUM_THREADS=1", NULL };
	kit_proc_opts po = { .timeout = timeout, .setenv = env, .capture = true };
	kit_proc_result r = { 0 };
	cJSON *j = NULL;
	char err[160];
	if (access(KIT_DEMO_PYTHON, X_OK))
		snprintf(why, why_len, "%s is not installed (Debian: apt-get install python3-numpy)",
			 KIT_DEMO_PYTHON);
	else if (kit_proc_run((char *const *)argv, &po, &r) != 0 || !r.started)
		snprintf(why, why_len, "%s could not start", KIT_DEMO_PYTHON);
	else if (!r.timed_out && !r.signal && r.exit_code == 3)
		snprintf(why, why_len, "numpy is not installed for %s (Debian: apt-get install "
			 "python3-numpy)", KIT_DEMO_PYTHON);
	else if (r.timed_out || r.signal || r.exit_code != 0)
		snprintf(why, why_len, "%s %s: %s", name, kit_proc_describe(&r),
			 first_line(r.err, err, sizeof(err)));
	else {
		const char *last = r.out ? r.out : "";
		for (const char *p = last; *p; p++)
			if (p[0] == '\n' && p[1])
				last = p + 1;
		j = cJSON_Parse(last);
		if (!cJSON_IsObject(j)) {
			cJSON_Delete(j);
			j = NULL;
			snprintf(why, why_len, "%s printed no timings: '%s'", name,
				 first_line(last, err, sizeof(err)));
		}
	}
	kit_proc_result_free(&r);
	free(path);
	return j;
}
