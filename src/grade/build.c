/*
 * build.c - building the student's program (grade.h).
 *
 *   check   the student's own tree: ninja in the kit's build, as the student.
 *   grade   a copy of the kit's sources with only the exercise's "edit" files
 *           taken from the submission; meson configures it (the kit's own
 *           build files, trusted), then ninja compiles the student's code in
 *           the sandbox, into a build folder that is all it may write.
 * The race-check build (clang, ThreadSanitizer, Archer, no OpenBLAS) is made
 * the same way on first use.
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "grade.h"

static const char *json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *which_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = kit_xstrdup(path ? path : "/usr/bin:/bin"), *save = NULL, *found = NULL;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = kit_xasprintf("%s/%s", *d ? d : ".", name);
		if (*p == '/' && !access(p, X_OK))
			found = p;
		else
			free(p);
	}
	free(copy);
	return found;
}

void run_tool(session *s, const char *dir, char **argv, bool sandboxed, kit_proc_result *r)
{
	if (!sandboxed || argv[0][0] != '/') {
		run_captured(argv, NULL, BUILD_TIMEOUT, r);
		return;
	}
	char *home = kit_xasprintf("HOME=%s", dir);
	const char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C", home, NULL };
	char *op = kit_xasprintf("%s/build-%d.out", s->tmp, s->seq);
	char *ep = kit_xasprintf("%s/build-%d.err", s->tmp, s->seq++);
	sb_opts o = { .argv = argv, .env = env, .work = dir, .timeout = BUILD_TIMEOUT,
		      .out_path = op, .err_path = ep, .no_as_limit = true };
	sb_result sr;
	memset(r, 0, sizeof(*r));
	if (sandbox_run(&s->sb, &o, &sr) == 0) {
		r->started = true;
		r->timed_out = sr.timed_out;
		r->exit_code = sr.exit_code;
		r->signal = sr.signal;
		r->wall = sr.wall;
		r->timeout = BUILD_TIMEOUT;
		r->out = sr.out;
		r->err = sr.err;
	}
	unlink(op);
	unlink(ep);
	free(op);
	free(ep);
	free(home);
}

/* Runs ninja -C BUILD TARGETS with run_tool. */
static void ninja(session *s, const char *build, char **targets, bool sandboxed,
		  kit_proc_result *r)
{
	size_t nt = 0;
	while (targets[nt])
		nt++;
	char *exe = which_program("ninja");
	char **argv = kit_xcalloc(nt + 4, sizeof(*argv));
	argv[0] = exe ? exe : "ninja";
	argv[1] = "-C";
	argv[2] = (char *)build;
	for (size_t i = 0; i < nt; i++)
		argv[3 + i] = targets[i];
	run_tool(s, build, argv, sandboxed, r);
	free(argv);
	free(exe);
}

int build_targets(session *s, exercise *e, const char *build, char **targets, bool sandboxed)
{
	item *b = &e->items[0];
	kit_proc_result r;
	say_doing(s, "building %s", e->program);
	ninja(s, build, targets, sandboxed, &r);
	char *lines = compiler_lines(&r);
	bool ok = r.started && !r.timed_out && !r.signal && r.exit_code == 0;
	if (s->verbose)
		kit_buf_printf(&b->out, "%s", lines);
	if (ok) {
		item_pass(b);
		if (strstr(lines, "warning:") && !s->verbose) {
			char *w = lines_from(lines, "warning:", SHOWN_LINES);
			kit_buf_printf(&b->out, "compiler warnings (fix them: most are bugs):\n%s", w);
			free(w);
		}
	} else {
		char *err = lines_from(lines, strstr(lines, "error:") ? "error:" : NULL, SHOWN_LINES);
		kit_buf_printf(&b->out, "%s", *err ? err : kit_proc_describe(&r));
		char *first = first_line_containing(lines, "error:");
		char *obs = first ? kit_xasprintf("the build failed: %s", first)
				  : kit_xasprintf("the build failed (%s)", kit_proc_describe(&r));
		item_fail(b, obs);
		free(obs);
		free(first);
		free(err);
		free(e->not_run);
		e->not_run = kit_xstrdup("not run: the build failed");
	}
	free(lines);
	kit_proc_result_free(&r);
	return ok ? 0 : -1;
}

/* Looks for each edit file of E in SUB; sets e->found and e->not_run. */
void build_find_submission(exercise *e, const char *sub)
{
	kit_buf missing = { 0 };
	for (size_t i = 0; i < e->nedit; i++) {
		char *cand[3] = {
			kit_xasprintf("%s/%s", sub, e->edit[i]),
			kit_xasprintf("%s/%s/%s", sub, e->dir, e->edit[i]),
			kit_xasprintf("%s/exercises/%s/%s", sub, e->dir, e->edit[i]),
		};
		for (int k = 0; k < 3; k++) {
			struct stat st;
			if (!e->found[i] && !stat(cand[k], &st) && S_ISREG(st.st_mode))
				e->found[i] = kit_xstrdup(cand[k]);
			free(cand[k]);
		}
		if (!e->found[i])
			kit_buf_printf(&missing, "%s%s", missing.len ? ", " : "", e->edit[i]);
	}
	if (missing.len) {
		item *b = &e->items[0];
		char *obs = kit_xasprintf("the submission has no %s (looked in %s, %s/%s/ and "
				      "%s/exercises/%s/)", kit_buf_str(&missing), sub, sub, e->dir, sub,
				      e->dir);
		item_fail(b, obs);
		free(obs);
		e->not_run = kit_xasprintf("not run: %s was not submitted", kit_buf_str(&missing));
	}
	kit_buf_free(&missing);
}

/* The kit's sources into DST: git's list of files (tracked and untracked but

 * not ignored), else a plain copy without build*, results and .git. */
static int copy_sources(const char *root, const char *dst)
{
	char *argv[] = { "git", "-C", (char *)root, "ls-files", "-z", "--cached", "--others",
			 "--exclude-standard", NULL };
	kit_proc_result r;
	int rc = 0;
	run_captured(argv, NULL, 120, &r);
	if (r.started && !r.timed_out && !r.signal && r.exit_code == 0 && r.out && *r.out) {
		/* the captured text is NUL-separated: walk it by the capture's length */
		const char *p = r.out;
		size_t len = 0;
		/* kit_proc_run NUL-terminates; the list ends with a NUL too, so find the
		 * end as the first empty entry */
		while (p[len] || p[len + 1])
			len++;
		len++;
		for (const char *q = p; q < p + len && *q && !rc; q += strlen(q) + 1) {
			char *from = kit_xasprintf("%s/%s", root, q);
			char *to = kit_xasprintf("%s/%s", dst, q);
			rc = copy_entry(from, to);
			free(from);
			free(to);
		}
	} else {
		if (mkdir(dst, 0777) && errno != EEXIST) {
			kit_error("cannot create '%s': %s", dst, strerror(errno));
			rc = -1;
		} else {
			rc = copy_tree(root, dst, "");
		}
	}
	kit_proc_result_free(&r);
	return rc;
}

/* In the grading copy the reference solutions' sources are left empty (their
 * meson.build files stay, so the tree configures): a submission that
 * includes "../../solutions/NN/file.c" gets nothing from it. Only the
 * student's program is built there. */
static int blank_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	if (flag != FTW_F || !strcmp(path + ftw->base, "meson.build"))
		return 0;
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("/* The reference is not part of a submission's build. */\n", f);
	return fclose(f) ? -1 : 0;
}

static int blank_solutions(const char *src)
{
	char *dir = kit_xasprintf("%s/solutions", src);
	int rc = is_dir(dir) ? nftw(dir, blank_entry, 16, FTW_PHYS) : 0;
	free(dir);
	return rc;
}

/* The meson options of the kit's build that the student's build must share. */
static char **build_options(const char *build, size_t *n, char **cc)
{
	static const char *keep[] = { "openmp", "blas", "native", "buildtype", "optimization",
				      "debug", "b_ndebug", "b_sanitize", "b_lundef", "c_std",
				      "pkg_config_path", NULL };
	*n = 0;
	*cc = NULL;
	char **v = kit_xcalloc(1, 32 * sizeof(*v));
	char *path = kit_xasprintf("%s/meson-info/intro-buildoptions.json", build);
	char *text = read_text(path, 0);
	cJSON *j = text ? cJSON_Parse(text) : NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, j) {
		const char *name = json_str(o, "name");
		const cJSON *val = cJSON_GetObjectItemCaseSensitive(o, "value");
		const char *section = json_str(o, "section");
		if (!name || !val || (section && !strcmp(section, "user") && false))
			continue;
		bool wanted = false;
		for (size_t k = 0; keep[k] && !wanted; k++)
			wanted = !strcmp(keep[k], name);
		/* build-machine duplicates ("build.pkg_config_path") are left out */
		if (!wanted || *n >= 30)
			continue;
		kit_buf b = { 0 };
		kit_buf_printf(&b, "-D%s=", name);
		if (cJSON_IsString(val))
			kit_buf_printf(&b, "%s", val->valuestring);
		else if (cJSON_IsBool(val))
			kit_buf_printf(&b, "%s", cJSON_IsTrue(val) ? "true" : "false");
		else if (cJSON_IsNumber(val))
			kit_buf_printf(&b, "%d", val->valueint);
		else if (cJSON_IsArray(val)) {
			const cJSON *x;
			bool first = true;
			cJSON_ArrayForEach(x, val) {
				if (cJSON_IsString(x))
					kit_buf_printf(&b, "%s%s", first ? "" : ",", x->valuestring);
				first = false;
			}
		} else {
			kit_buf_free(&b);
			continue;
		}
		v[(*n)++] = b.s;
	}
	cJSON_Delete(j);
	free(text);
	free(path);
	path = kit_xasprintf("%s/meson-info/intro-compilers.json", build);
	text = read_text(path, 0);
	j = text ? cJSON_Parse(text) : NULL;
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(j, "host");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(host, "c");
	const cJSON *exe = cJSON_GetObjectItemCaseSensitive(c, "exelist");
	if (cJSON_IsArray(exe)) {
		kit_buf b = { 0 };
		const cJSON *x;
		cJSON_ArrayForEach(x, exe)
			if (cJSON_IsString(x))
				kit_buf_printf(&b, "%s%s", b.len ? " " : "CC=", x->valuestring);
		*cc = b.s;
	}
	cJSON_Delete(j);
	free(text);
	free(path);
	return v;
}

/* Sets up the student's build: sources copied, submissions overlaid, meson
 * configured. Returns 0, or -1 with a message in *ERR. */
int build_prepare_grade(session *s, exercise **ex, size_t n, char **err)
{
	const char *base = s->workdir ? s->workdir : s->tmp;
	if (s->workdir && mkdir(s->workdir, 0777) && errno != EEXIST) {
		*err = kit_xasprintf("cannot create the work folder %s: %s", s->workdir, strerror(errno));
		return -1;
	}
	s->src = kit_xasprintf("%s/src", base);
	s->stu_build = kit_xasprintf("%s/build", base);
	s->tsan_build = kit_xasprintf("%s/build-tsan", base);
	if (copy_sources(s->root, s->src) || blank_solutions(s->src)) {
		*err = kit_xasprintf("could not copy the kit's sources from %s to %s", s->root, s->src);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		exercise *e = ex[k];
		for (size_t i = 0; i < e->nedit; i++) {
			if (!e->found[i])
				continue;
			char *to = kit_xasprintf("%s/exercises/%s/%s", s->src, e->dir, e->edit[i]);
			char *text = read_text(e->found[i], MAX_SUBMISSION);
			if (!text) {
				char *obs = kit_xasprintf("cannot read the submitted %s: %s", e->found[i],
						      strerror(errno));
				item_fail(&e->items[0], obs);
				free(obs);
				free(e->not_run);
				e->not_run = kit_xasprintf("not run: %s could not be read", e->edit[i]);
			} else if (!same_content(e->found[i], to)) {
				unlink(to);	/* a link in the kit's tree is replaced, not followed */
				kit_atomic a;
				if (kit_atomic_open(&a, to) || (fputs(text, a.f), kit_atomic_commit(&a))) {
					*err = kit_xasprintf("cannot write %s", to);
					free(text);
					free(to);
					return -1;
				}
			}
			free(text);
			free(to);
		}
	}
	size_t nopt;
	char *cc;
	char **opts = build_options(s->ref_build, &nopt, &cc);
	char **argv = kit_xcalloc(1, (nopt + 8) * sizeof(*argv));
	size_t k = 0;
	argv[k++] = "meson";
	argv[k++] = "setup";
	argv[k++] = s->stu_build;
	argv[k++] = s->src;
	argv[k++] = "-Dwerror=false";
	for (size_t i = 0; i < nopt; i++)
		argv[k++] = opts[i];
	argv[k] = NULL;
	const char *env[] = { cc, NULL };
	kit_proc_result r;
	char *ninja = kit_xasprintf("%s/build.ninja", s->stu_build);
	if (is_file(ninja)) {	/* a reused --workdir: configured already */
		memset(&r, 0, sizeof(r));
		r.started = true;
	} else {
		run_captured(argv, cc ? env : NULL, BUILD_TIMEOUT, &r);
	}
	free(ninja);
	int rc = 0;
	if (!(r.started && !r.timed_out && !r.signal && r.exit_code == 0)) {
		char *l = first_line_containing(r.out, "ERROR:");
		if (!l)
			l = trimmed_last_line(r.err);
		*err = kit_xasprintf("meson could not configure the copy of the kit: %s",
				 l ? l : kit_proc_describe(&r));
		free(l);
		rc = -1;
	}
	kit_proc_result_free(&r);
	sandbox_add_ro(&s->sb, s->src);
	sandbox_add_ro(&s->sb, s->stu_build);
	if (!rc && sandbox_own_tree(&s->sb, s->stu_build)) {
		*err = kit_xasprintf("cannot give the build folder %s to the sandbox", s->stu_build);
		rc = -1;
	}
	for (size_t i = 0; i < nopt; i++)
		free(opts[i]);
	free(opts);
	free(argv);
	free(cc);
	return rc;
}


static char *find_archer(void)
{
	const char *env = getenv("KIT_ARCHER");
	if (env && *env)
		return is_file(env) ? kit_xstrdup(env) : NULL;
	if (is_file("/usr/lib/llvm-14/lib/libarcher.so"))
		return kit_xstrdup("/usr/lib/llvm-14/lib/libarcher.so");
	glob_t g;
	char *found = NULL;
	if (!glob("/usr/lib/llvm-*/lib/libarcher.so", 0, NULL, &g)) {
		found = kit_xstrdup(g.gl_pathv[g.gl_pathc - 1]);
		globfree(&g);
	}
	return found;
}

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = kit_xstrdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *p = kit_xasprintf("%s/%s", *d ? d : ".", name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

/* The pkg-config path of OpenBLAS's OpenMP variant, as ./kit uses. */
static char *blas_pkgconfig(void)
{
	glob_t g;
	char *found = NULL;
	if (!glob("/usr/lib/*/openblas-openmp/pkgconfig", GLOB_ONLYDIR, NULL, &g)) {
		found = kit_xstrdup(g.gl_pathv[0]);
		globfree(&g);
	}
	return found ? found : kit_xstrdup("");
}

/* Configures the ThreadSanitizer build once. Returns 0, or -1 with
 * s->tsan_why set. */
static int tsan_configure(session *s)
{
	if (s->tsan_state)
		return s->tsan_state > 0 ? 0 : -1;
	s->tsan_state = -1;
	if (!have_program("clang")) {
		s->tsan_why = kit_xstrdup("clang is not installed (apt-get install clang libomp-14-dev "
				      "libclang-rt-14-dev), so no race check here");
		return -1;
	}
	s->archer = find_archer();
	if (!s->archer) {
		s->tsan_why = kit_xstrdup("Archer (libarcher.so, from libomp-14-dev) is not installed, "
				      "so no race check here");
		return -1;
	}
	char *ninja = kit_xasprintf("%s/build.ninja", s->tsan_build);
	bool configured = is_file(ninja);
	free(ninja);
	if (!configured) {
		char *pc = blas_pkgconfig();
		char *pcopt = kit_xasprintf("-Dpkg_config_path=%s", pc);
		char *argv[] = { "meson", "setup", s->tsan_build, s->src, "-Db_sanitize=thread",
				 "-Db_lundef=false", "-Dblas=disabled", "-Dbuildtype=debugoptimized",
				 "-Dwerror=false", pcopt, NULL };
		/* the archiver by its full path: the sandboxed build's PATH is
		 * /usr/bin:/bin, and a bare Debian has llvm-ar only in
		 * /usr/lib/llvm-14/bin, which ./kit adds to its own PATH */
		char *ar = which_program("llvm-ar"), *cc = which_program("clang");
		char *ar_env = kit_xasprintf("AR=%s", ar ? ar : "ar");
		char *cc_env = kit_xasprintf("CC=%s", cc ? cc : "clang");
		const char *env[] = { cc_env, ar_env, NULL };
		kit_proc_result r;
		run_captured(argv, env, BUILD_TIMEOUT, &r);
		bool ok = r.started && !r.timed_out && !r.signal && r.exit_code == 0;
		if (!ok) {
			char *l = first_line_containing(r.out, "ERROR:");
			s->tsan_why = kit_xasprintf("the ThreadSanitizer build could not be configured "
						"in %s: %s", s->tsan_build,
						l ? l : kit_proc_describe(&r));
			free(l);
			rm_rf(s->tsan_build);
		}
		kit_proc_result_free(&r);
		free(pc);
		free(pcopt);
		free(ar);
		free(cc);
		free(ar_env);
		free(cc_env);
		if (!ok)
			return -1;
	}
	sandbox_add_ro(&s->sb, s->tsan_build);
	if (s->grade && sandbox_own_tree(&s->sb, s->tsan_build)) {
		s->tsan_why = kit_xasprintf("cannot give %s to the sandbox", s->tsan_build);
		return -1;
	}
	s->tsan_state = 1;
	return 0;
}

/* Whether a line of LINES holding "error" or "undefined reference" names
 * FILE ("bugs.c:12:3: error: ...", "bugs.c.o: undefined reference to"). */
static bool error_names(const char *lines, const char *file)
{
	for (const char *p = lines; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = kit_xasprintf("%.*s", (int)len, p);
		bool yes = (strstr(line, "error") || strstr(line, "undefined reference")) &&
			   strstr(line, file);
		free(line);
		if (yes)
			return true;
		p = nl ? nl + 1 : NULL;
	}
	return false;
}

char *build_tsan_prog(session *s, const exercise *e, item *it)
{
	if (tsan_configure(s)) {
		item_skip(it, s->tsan_why);
		return NULL;
	}
	char *target = kit_xasprintf("exercises/%s/%s", e->dir, e->program);
	char *targets[] = { target, NULL };
	kit_proc_result r;
	say_doing(s, "building %s for the race check", e->program);
	ninja(s, s->tsan_build, targets, s->grade, &r);
	bool built = r.started && !r.timed_out && !r.signal && r.exit_code == 0;
	char *prog = NULL;
	if (!built) {
		char *lines = compiler_lines(&r);
		if (strstr(lines, "unknown target")) {
			item_skip(it, it->no_blas
				  ? "this exercise's program is not built without OpenBLAS yet, so "
				    "its race check cannot run here"
				  : "this exercise needs OpenBLAS, which the ThreadSanitizer build "
				    "leaves out: no race check for it");
		} else {
			/* the student's when an error line names their file, not
			 * when their file is only among the compile lines above */
			char *first = lines_from(lines, "error", SHOWN_LINES);
			bool theirs = false;
			for (size_t i = 0; i < e->nedit; i++)
				theirs = theirs || error_names(lines, e->edit[i]);
			kit_buf_printf(&it->out, "%s", first);
			if (theirs) {
				item_fail(it, "your file does not build with clang -fsanitize=thread "
					  "(the lines above say why)");
			} else {
				char *why = kit_xasprintf("the ThreadSanitizer build of the kit failed: %s",
							  *first ? first : "see --verbose");
				item_skip(it, why);
				free(why);
			}
			free(first);
		}
		free(lines);
	} else {
		char *why = tsan_guard(s, e);
		if (why)
			item_fail(it, why);
		else
			prog = kit_xasprintf("%s/%s", s->tsan_build, target);
		free(why);
	}
	kit_proc_result_free(&r);
	free(target);
	return prog;
}
