/*
 * cli.h - the subcommands behind ./kit. Each takes the arguments after
 * "./kit" (argv[0] is the subcommand's name) and returns the exit status.
 * ./kit (the script) has already installed, configured and built everything,
 * and exported KIT_ROOT.
 */
#ifndef KIT_CLI_H
#define KIT_CLI_H

int cmd_doctor(int argc, char **argv);
int cmd_machine(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_check(int argc, char **argv);	/* student: ./kit check NN */
int cmd_grade(int argc, char **argv);	/* instructor: ./kit grade NN --submission DIR */
int cmd_demo(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_notebook(int argc, char **argv);

/* True when ARG is -h or --help. */
int cli_is_help(const char *arg);

#endif
