package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"hailong"
	"hailong/aggregator/access"
	"hailong/aggregator/app"
	"hailong/hierarchy"
)

// stdout and stderr are where the access commands print; tests replace
// them. A secret (password, token) goes to stdout alone, the words around
// it to stderr, so that `… > file` keeps only the secret.
var (
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
)

// openAccess opens the database and loads the access service, acting as
// the command line (actor nil, "cli" in the audit log).
func openAccess(ctx context.Context, name string, args []string, log *slog.Logger, extra func(*flag.FlagSet)) (*access.Service, func(), error) {
	db, cfg, _, err := openDB(ctx, name, args, log, extra)
	if err != nil {
		return nil, nil, err
	}
	if err := refuseIfRunning(ctx, db, cfg); err != nil {
		db.Close()
		return nil, nil, err
	}
	records, _, err := db.Units(ctx)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	tree, err := hierarchy.New(records)
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("stored units: %w", err)
	}
	if len(records) == 0 {
		log.Warn("no administrative units imported yet, so no scope exists: run 'aggregator units import FILE.csv' first")
	}
	svc := access.New(access.Config{Store: db, Units: func() *hierarchy.Tree { return tree }, Logger: log})
	if err := svc.Load(ctx); err != nil {
		db.Close()
		return nil, nil, err
	}
	return svc, func() { db.Close() }, nil
}

// presenceFresh is how recently a running aggregator must have recorded
// its presence to be believed running (it renews it every minute).
const presenceFresh = 3 * time.Minute

// refuseIfRunning refuses to change users or tokens on a MongoDB that an
// aggregator is running on: it keeps them in memory and would neither see
// the change nor keep from overwriting it. On the embedded database the
// directory lock already refuses, and a presence left by a crash must not.
func refuseIfRunning(ctx context.Context, db *app.DB, cfg *app.Config) error {
	if cfg.MongoURI == "" {
		return nil
	}
	p, found, err := db.Running(ctx)
	if err != nil || !found {
		return err
	}
	if age := time.Since(p.Seen); age < presenceFresh {
		return fmt.Errorf("an aggregator (host %s, pid %d, seen %s ago) is running on database %q and holds users and tokens in memory: "+
			"it would not see this change. Stop the service (systemctl stop hailong-aggregator), run this command again, "+
			"then start it (systemctl start hailong-aggregator). See the README, \"Accounts and access\"",
			p.Host, p.PID, age.Round(time.Second), cfg.Database)
	}
	return nil
}

// readPassword reads a password from a file ("-" is standard input), the
// first line without its line ending. Empty file: generate one.
func readPassword(file string) (password string, generated bool, err error) {
	if file == "" {
		return access.GeneratePassword(), true, nil
	}
	var b []byte
	if file == "-" {
		b, err = io.ReadAll(io.LimitReader(os.Stdin, 4096))
	} else {
		b, err = os.ReadFile(file)
	}
	if err != nil {
		return "", false, fmt.Errorf("read the password: %w", err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSuffix(line, "\r"), false, nil
}

// usersCmd adds, lists, disables and enables users and sets passwords.
func usersCmd(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("users: add, list, passwd, disable or enable")
	}
	sub, args := args[0], args[1:]
	var username, role, scope, name, passwordFile string
	svc, closeDB, err := openAccess(ctx, "users "+sub, args, log, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "the user's name for signing in: lower-case letters, digits, '.', '_', '-'")
		if sub == "add" {
			fs.StringVar(&role, "role", "", "role: admin, manager, analyst (or a role added since)")
			fs.StringVar(&scope, "scope", "", "code of the unit whose subtree the user sees, e.g. 24 for the province")
			fs.StringVar(&name, "name", "", "the person's full name")
		}
		if sub == "add" || sub == "passwd" {
			fs.StringVar(&passwordFile, "password-file", "", "read the password from this file's first line ('-': standard input); without it a strong one is generated and printed once")
		}
	})
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "add", "passwd":
		password, generated, err := readPassword(passwordFile)
		if err != nil {
			return err
		}
		if sub == "add" {
			err = svc.AddUser(ctx, nil, hailong.User{Username: username, Name: name, Role: role, Scope: scope}, password)
		} else {
			err = svc.SetPassword(ctx, nil, username, password)
		}
		if err != nil {
			return err
		}
		what := "added"
		if sub == "passwd" {
			what = "has a new password; their sessions have ended"
		}
		if generated {
			fmt.Fprintf(stderr, "User %s %s. The password, shown only now:\n", username, what)
			fmt.Fprintln(stdout, password)
		} else {
			fmt.Fprintf(stderr, "User %s %s.\n", username, what)
		}
		return nil
	case "list":
		users, err := svc.Users(ctx, nil)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "USERNAME\tROLE\tSCOPE\tDISABLED\tCREATED\tNAME")
		for _, u := range users {
			fmt.Fprintf(w, "%s\t%s\t%s\t%v\t%s\t%s\n", u.Username, u.Role, u.Scope, u.Disabled, u.Created.Format(time.DateOnly), u.Name)
		}
		return w.Flush()
	case "disable", "enable":
		disabled := sub == "disable"
		if err := svc.UpdateUser(ctx, nil, username, nil, nil, &disabled); err != nil {
			return err
		}
		if disabled {
			fmt.Fprintf(stdout, "User %s disabled; their sessions and API tokens no longer work.\n", username)
		} else {
			fmt.Fprintf(stdout, "User %s enabled.\n", username)
		}
		return nil
	default:
		return fmt.Errorf("users: unknown command %q (add, list, passwd, disable, enable)", sub)
	}
}

// tokensCmd makes, lists and revokes API tokens.
func tokensCmd(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("tokens: add, list or revoke")
	}
	sub, args := args[0], args[1:]
	var username, name, scope, expires, id string
	svc, closeDB, err := openAccess(ctx, "tokens "+sub, args, log, func(fs *flag.FlagSet) {
		switch sub {
		case "add":
			fs.StringVar(&username, "username", "", "the token's owner")
			fs.StringVar(&name, "name", "", "what the token is for, e.g. the reporting tool using it")
			fs.StringVar(&scope, "scope", "", "a unit inside the owner's scope (default: the owner's scope)")
			fs.StringVar(&expires, "expires", "90d", "lifetime (e.g. 90d, 720h; at most 366d) or last day (YYYY-MM-DD)")
		case "list":
			fs.StringVar(&username, "username", "", "only this owner's tokens")
		case "revoke":
			fs.StringVar(&id, "id", "", "the token's id (the part after hlt_, as tokens list shows it)")
		}
	})
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "add":
		until, err := parseExpiry(expires, time.Now())
		if err != nil {
			return err
		}
		secret, t, err := svc.CreateToken(ctx, nil, username, name, scope, nil, until)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "Token %s of %s (scope %s) made, valid until %s. Send it as 'Authorization: Bearer <token>'; shown only now:\n",
			t.ID, t.Owner, t.Scope, t.Expires.Format(time.RFC3339))
		fmt.Fprintln(stdout, secret)
		return nil
	case "list":
		tokens, err := svc.Tokens(ctx, nil, username)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tOWNER\tNAME\tSCOPE\tEXPIRES\tLAST USED\tREVOKED")
		for _, t := range tokens {
			last := "never"
			if t.LastUsed != nil {
				last = t.LastUsed.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%v\n", t.ID, t.Owner, t.Name, t.Scope, t.Expires.Format(time.DateOnly), last, t.Revoked)
		}
		return w.Flush()
	case "revoke":
		if err := svc.RevokeToken(ctx, nil, strings.TrimPrefix(id, access.TokenPrefix)); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Token %s revoked.\n", id)
		return nil
	default:
		return fmt.Errorf("tokens: unknown command %q (add, list, revoke)", sub)
	}
}

// parseExpiry reads "90d", a Go duration ("720h") or a last day
// ("2027-03-01", valid through that day in Vietnam).
func parseExpiry(s string, now time.Time) (time.Time, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if days, err := strconv.Atoi(n); err == nil && days > 0 {
			return now.Add(time.Duration(days) * 24 * time.Hour), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	if d, err := hailong.ParseDate(s); err == nil {
		return (d + 1).Start(), nil
	}
	return time.Time{}, fmt.Errorf("-expires %q: give days (90d), hours (720h) or a last day (YYYY-MM-DD)", s)
}

// rolesCmd lists the roles and adds or changes one: roles are data, so a
// province shapes them without a new release.
func rolesCmd(ctx context.Context, args []string, log *slog.Logger) error {
	if len(args) == 0 {
		return errors.New("roles: list or put")
	}
	sub, args := args[0], args[1:]
	var name, perms, description string
	svc, closeDB, err := openAccess(ctx, "roles "+sub, args, log, func(fs *flag.FlagSet) {
		if sub == "put" {
			fs.StringVar(&name, "name", "", "the role's name: lower-case letters, digits, '_', '-'")
			fs.StringVar(&perms, "permissions", "", "the permissions it grants, comma-separated: "+permissionNames())
			fs.StringVar(&description, "description", "", "what the role is for (kept when changing a role without it)")
		}
	})
	if err != nil {
		return err
	}
	defer closeDB()
	switch sub {
	case "list":
		w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ROLE\tPERMISSIONS\tDESCRIPTION")
		for _, r := range svc.Roles() {
			ps := make([]string, len(r.Permissions))
			for i, p := range r.Permissions {
				ps[i] = string(p)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", r.Name, strings.Join(ps, ","), r.Description)
		}
		return w.Flush()
	case "put":
		r := hailong.Role{Name: name, Description: description}
		for _, p := range strings.Split(perms, ",") {
			if p = strings.TrimSpace(p); p != "" {
				r.Permissions = append(r.Permissions, hailong.Permission(p))
			}
		}
		if err := svc.PutRole(ctx, nil, r); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Role %s saved; its users hold its permissions from the next start of the aggregator.\n", name)
		return nil
	default:
		return fmt.Errorf("roles: unknown command %q (list, put)", sub)
	}
}

func permissionNames() string {
	var out []string
	for _, p := range hailong.AllPermissions() {
		out = append(out, string(p))
	}
	return strings.Join(out, ", ")
}
