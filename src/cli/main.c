/*
 * main.c - kit-cli: dispatches "./kit SUBCOMMAND ARGS" to its cmd_* function.
 * The ./kit script installs, configures and builds first, then execs this.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "kit.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "demo", cmd_demo },
	{ "check", cmd_check },
	{ "bench", cmd_bench },
	{ "sweep", cmd_sweep },
	{ "machine", cmd_machine },
	{ "doctor", cmd_doctor },
	{ "grade", cmd_grade },
	{ "notebook", cmd_notebook },
};

int cli_is_help(const char *arg)
{
	return arg && (!strcmp(arg, "-h") || !strcmp(arg, "--help"));
}

int main(int argc, char **argv)
{
	/* Rows appear as they are done, also through a pipe (./kit check | tee). */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (kit_init(argc, argv))
		return KIT_EXIT_USAGE;
	/* OpenBLAS reads OPENBLAS_CORETYPE once, when it loads: with the core set
	 * for a CPU it does not recognise, start again so that this process uses
	 * it too (the programs it starts inherit it). */
	if (kit_blas_core_setup()) {
		execv("/proc/self/exe", argv);
		kit_warn("could not restart with OPENBLAS_CORETYPE set (%s); the programs it "
			 "starts use it, this process keeps OpenBLAS's own choice", strerror(errno));
	}
	if (argc < 2) {
		kit_error("no subcommand; run ./kit help for the list");
		return KIT_EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	kit_error("unknown subcommand '%s'; run ./kit help for the list", argv[1]);
	return KIT_EXIT_USAGE;
}
