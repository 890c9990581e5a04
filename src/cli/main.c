/*
 * main.c - kit-cli: dispatches "./kit SUBCOMMAND ARGS" to its cmd_* function.
 * The ./kit script installs, configures and builds first, then execs this.
 */
#include <stdio.h>
#include <string.h>

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
