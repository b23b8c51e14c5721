#include <errno.h>
/* iam-login status: the snapshot (age, generation, counts, exclusions) and the last sync. */
#include "directory/mfa_pull.h"
#include "cli_snap.h"
#include "commands.h"
#include "config/config.h"
#include "directory/sync.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void status_help(FILE *f)
{
	fprintf(
	    f,
	    "Usage: iam-login status [--json]\n"
	    "\n"
	    "Show what this host knows about the IAM directory: the snapshot\n"
	    "<state_dir>/directory (generation, when IAM was read and how long ago, AWS\n"
	    "account, numbers of users and groups), every IAM user or group that was\n"
	    "excluded and why, and the result of the last 'iam-login sync' (from\n"
	    "<state_dir>/status.json: time, result, calls, seconds, error, warnings).\n"
	    "\n"
	    "Options:\n"
	    "  --json      one JSON object: {\"snapshot\": {...} or null, \"last_sync\": {...} or\n"
	    "              null}\n"
	    "  -h, --help  this text\n"
	    "\n"
	    "Exit status: 0 when a valid snapshot exists, is younger than [pam]\n"
	    "max_snapshot_age and the last sync succeeded; 1 when there is no usable\n"
	    "snapshot, it is stale, or the last sync failed or was refused;\n"
	    "2 usage.\n");
}

static size_t count_private(const struct snap *s, uint32_t ngroups)
{
	size_t n = 0;

	for (uint32_t i = 0; i < ngroups; i++) {
		struct snap_group g;

		if (snap_group_at(s, i, &g) == 0 && g.user_private)
			n++;
	}
	return n;
}

static json_t *snapshot_json(const struct snap *s, const char *path, int64_t now, long max_age)
{
	struct snap_info info;
	json_t *o = json_object(), *ex = json_array();
	size_t upg;

	snap_get_info(s, &info);
	upg = count_private(s, info.ngroups);
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "generation", json_integer((json_int_t)info.generation));
	json_object_set_new(o, "created", json_integer(info.created));
	json_object_set_new(o, "age_seconds", json_integer(now - info.created));
	/* pam_iam refuses IAM users once the snapshot is older than [pam] max_snapshot_age */
	json_object_set_new(o, "max_age_seconds", json_integer(max_age));
	json_object_set_new(o, "stale", json_boolean(max_age > 0 && now - info.created > max_age));
	json_object_set_new(o, "account", json_string(info.account));
	json_object_set_new(o, "users", json_integer(info.nusers));
	json_object_set_new(o, "groups", json_integer((json_int_t)(info.ngroups - upg)));
	json_object_set_new(o, "user_private_groups", json_integer((json_int_t)upg));
	for (uint32_t i = 0; i < info.nexcluded; i++) {
		struct snap_excluded e;
		json_t *x;

		if (snap_excluded_at(s, i, &e) < 0)
			continue;
		x = json_object();
		json_object_set_new(x, "kind", json_string(e.kind ? e.kind : ""));
		json_object_set_new(x, "iam_name", json_string(e.iam_name ? e.iam_name : ""));
		json_object_set_new(x, "reason", json_string(e.reason ? e.reason : ""));
		json_array_append_new(ex, x);
	}
	json_object_set_new(o, "excluded", ex);
	return o;
}

/* A string member for printing: never NULL, control characters replaced. */
static const char *jstr(json_t *o, const char *key, char *buf, size_t n)
{
	return cli_clean(json_string_value(json_object_get(o, key)), buf, n);
}

static void print_text(json_t *snapj, json_t *last, int64_t now)
{
	char t[40], age[40], c1[200], c2[400];

	if (snapj) {
		json_t *ex = json_object_get(snapj, "excluded");
		size_t i;
		json_t *x;

		cli_format_time(json_integer_value(json_object_get(snapj, "created")), t,
				sizeof(t));
		cli_format_age(json_integer_value(json_object_get(snapj, "age_seconds")), age,
			       sizeof(age));
		printf("snapshot:    %s\n", jstr(snapj, "path", c2, sizeof(c2)));
		printf("generation:  %lld\n",
		       (long long)json_integer_value(json_object_get(snapj, "generation")));
		printf("iam read:    %s (%s)\n", t, age);
		if (json_is_true(json_object_get(snapj, "stale")))
			printf("STALE:       older than [pam] max_snapshot_age = %lld s: pam_iam "
			       "refuses IAM users until a sync succeeds\n",
			       (long long)json_integer_value(
				   json_object_get(snapj, "max_age_seconds")));
		printf("account:     %s\n", jstr(snapj, "account", c1, sizeof(c1)));
		printf("users:       %lld\n",
		       (long long)json_integer_value(json_object_get(snapj, "users")));
		printf(
		    "groups:      %lld (+ %lld user private groups)\n",
		    (long long)json_integer_value(json_object_get(snapj, "groups")),
		    (long long)json_integer_value(json_object_get(snapj, "user_private_groups")));
		printf("excluded:    %zu\n", json_array_size(ex));
		json_array_foreach(ex, i, x)
		{
			char c0[16];

			printf("  %-5s %-32s %s\n", jstr(x, "kind", c0, sizeof(c0)),
			       jstr(x, "iam_name", c1, sizeof(c1)),
			       jstr(x, "reason", c2, sizeof(c2)));
		}
	} else {
		printf("snapshot:    none usable\n");
	}
	if (last) {
		json_t *w = json_object_get(last, "warnings"), *x;
		const char *err = json_string_value(json_object_get(last, "error"));
		size_t i;

		cli_format_time(json_integer_value(json_object_get(last, "time")), t, sizeof(t));
		cli_format_age(now - json_integer_value(json_object_get(last, "time")), age,
			       sizeof(age));
		printf("last sync:   %s at %s (%s): %lld users, %lld groups, %lld excluded, "
		       "%lld calls, %.1f s%s\n",
		       jstr(last, "result", c1, sizeof(c1)), t, age,
		       (long long)json_integer_value(json_object_get(last, "users")),
		       (long long)json_integer_value(json_object_get(last, "groups")),
		       (long long)json_integer_value(json_object_get(last, "excluded")),
		       (long long)json_integer_value(json_object_get(last, "calls")),
		       json_number_value(json_object_get(last, "seconds")),
		       json_is_true(json_object_get(last, "fallback")) ? " (List* fallback)" : "");
		if (json_is_string(json_object_get(last, "source")))
			printf("  source:    %s (signed bundle%s)\n",
			       jstr(last, "source", c2, sizeof(c2)),
			       json_is_true(json_object_get(last, "unchanged")) ? ", unchanged"
										: "");
		if (err)
			printf("  error:     %s\n", cli_clean(err, c2, sizeof(c2)));
		json_array_foreach(w, i, x)
		{
			printf("  warning:   %s\n",
			       cli_clean(json_string_value(x), c2, sizeof(c2)));
		}
	} else {
		printf("last sync:   no record\n");
	}
}

/* Fleet MFA on this host: what the last 'mfa pull' installed, and the replay guard. */
static json_t *mfa_json(const struct iam_config *cfg, int64_t now)
{
	struct mfa_state st;
	json_t *o = json_object();
	int r = mfa_state_read(cfg->mfa_usersfile, false, &st);

	if (r == 0) {
		json_object_set_new(o, "bundle_generation",
				    json_integer((json_int_t)st.generation));
		json_object_set_new(o, "bundle_created", json_integer(st.created));
		json_object_set_new(o, "bundle_age_seconds", json_integer(now - st.created));
		json_object_set_new(o, "installed", json_integer(st.fetched));
		json_object_set_new(o, "enrolled_users", json_integer((json_int_t)st.users));
	} else {
		json_object_set_new(o, "bundle_generation", json_null());
		json_object_set_new(o, "bundle_error",
				    json_string(r == -ENOENT ? "never pulled" : strerror(-r)));
	}
	json_object_set_new(o, "replay_table",
			    cfg->mfa_replay_table ? json_string(cfg->mfa_replay_table)
						  : json_null());
	json_object_set_new(o, "replay_guard_failure",
			    json_string(cfg->mfa_replay_deny ? "deny" : "local"));
	return o;
}

static void print_mfa(json_t *m, int64_t now)
{
	char t[40], c[200];
	json_t *gen = json_object_get(m, "bundle_generation");

	if (json_is_integer(gen)) {
		cli_format_time(json_integer_value(json_object_get(m, "bundle_created")), t,
				sizeof(t));
		printf(
		    "fleet MFA:   generation %lld, created %s (%lld s ago), %lld enrolled users\n",
		    (long long)json_integer_value(gen), t,
		    (long long)(now - json_integer_value(json_object_get(m, "bundle_created"))),
		    (long long)json_integer_value(json_object_get(m, "enrolled_users")));
	} else {
		printf("fleet MFA:   %s\n", jstr(m, "bundle_error", c, sizeof(c)));
	}
	if (json_is_string(json_object_get(m, "replay_table")))
		printf(
		    "replay guard: DynamoDB table %s (unreachable: %s; 'iam-login doctor' checks "
		    "it)\n",
		    jstr(m, "replay_table", c, sizeof(c)),
		    json_string_value(json_object_get(m, "replay_guard_failure")));
	else
		printf("replay guard: off (this host's replay state only)\n");
}

int cmd_status(int argc, char **argv, const struct cli_ctx *ctx)
{
	struct iam_config cfg;
	struct snap *s = NULL;
	char path[PATH_MAX];
	json_t *snapj = NULL, *last, *mfaj;
	const char *last_result;
	bool as_json, ok;
	int64_t now = (int64_t)time(NULL);
	int ret = cli_json_opts(argc, argv, 0, status_help, &as_json);

	if (ret >= 0)
		return ret;
	if (cli_load_config(ctx, &cfg) < 0)
		return 1;
	if (cli_snap_open(&cfg, "iam-login status", &s, path, sizeof(path)) == 0) {
		snapj = snapshot_json(s, path, now, cfg.max_snapshot_age);
		snap_close(s);
	}
	last = cli_status_load(&cfg);
	mfaj = mfa_json(&cfg, now);
	last_result = last ? json_string_value(json_object_get(last, "result")) : NULL;
	ok = snapj && !json_is_true(json_object_get(snapj, "stale")) &&
	     (!last || (last_result && strcmp(last_result, "ok") == 0));
	if (as_json) {
		json_t *o = json_object();

		json_object_set(o, "snapshot", snapj ? snapj : json_null());
		json_object_set(o, "last_sync", last ? last : json_null());
		json_object_set(o, "mfa", mfaj);
		cli_print_json(o);
	} else {
		print_text(snapj, last, now);
		print_mfa(mfaj, now);
	}
	json_decref(mfaj);
	json_decref(snapj);
	json_decref(last);
	config_free(&cfg);
	return ok ? 0 : 1;
}
