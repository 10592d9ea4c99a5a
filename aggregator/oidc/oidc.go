// Package oidc signs people in with a province's identity provider over
// OpenID Connect: the authorization code flow with PKCE (S256), a state
// and a nonce kept server-side and usable once, and the ID token verified
// by go-oidc (signature, issuer, audience, expiry, nonce). It only proves
// who a person is; which account, role and scope they have is the
// aggregator's own (aggregator/access).
package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"hailong"
)

// Config configures single sign-on. It is off when Issuer is empty.
type Config struct {
	// Issuer is the provider's issuer URL; its discovery document is at
	// Issuer + "/.well-known/openid-configuration".
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is the aggregator's public base + CallbackPath, as
	// registered with the provider.
	RedirectURL string
	// Claim names the local account: preferred_username (the default)
	// or email.
	Claim string
	// Scopes asked for besides openid; default profile and email.
	Scopes []string
	// FlowTTL is how long a sign-in may take between leaving for the
	// provider and coming back; default 10 minutes.
	FlowTTL time.Duration
	// MaxFlows bounds the sign-ins under way kept in memory, so that
	// unauthenticated requests cannot grow it without end; default 10000.
	MaxFlows int
	Now      func() time.Time
	Logger   *slog.Logger
}

// Enabled reports whether single sign-on is configured.
func (c Config) Enabled() bool { return c.Issuer != "" }

// Validate checks a configuration that is enabled.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	switch {
	case c.ClientID == "":
		return errors.New("a client id is needed (-oidc-client-id)")
	case c.RedirectURL == "":
		return errors.New("the redirect URL is needed (-oidc-redirect-url): the aggregator's public base + " + CallbackPath)
	case !strings.HasSuffix(c.RedirectURL, CallbackPath):
		return fmt.Errorf("the redirect URL must end in %s", CallbackPath)
	}
	switch c.Claim {
	case "", "preferred_username", "email":
	default:
		return fmt.Errorf("claim %q: use preferred_username or email", c.Claim)
	}
	return nil
}

// httpClient talks to the provider.
var httpClient = &http.Client{Timeout: 15 * time.Second}

// Paths of the two routes of the flow.
const (
	StartPath    = "/auth/oidc/start"
	CallbackPath = "/auth/oidc/callback"
)

// Flow is what a sign-in carries through the provider: where to go
// afterwards and the language of the pages.
type Flow struct {
	Next, Lang string
}

// pending is a sign-in under way, kept until the provider sends the
// browser back, at most FlowTTL.
type pending struct {
	Flow
	nonce, verifier string
	expires         time.Time
	seq             uint64 // order of Begin, to drop the oldest
}

// Client runs the flow against one provider. The provider's discovery
// document is fetched on first use and again after a failure, so that
// the aggregator starts while the provider is down.
type Client struct {
	cfg Config

	mu       sync.Mutex
	pending  map[string]pending // by state
	seq      uint64
	provider *gooidc.Provider
}

// New returns a client for cfg, which must be enabled and valid.
func New(cfg Config) (*Client, error) {
	if !cfg.Enabled() {
		return nil, errors.New("single sign-on is not configured")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Claim == "" {
		cfg.Claim = "preferred_username"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile", "email"}
	}
	if cfg.FlowTTL == 0 {
		cfg.FlowTTL = 10 * time.Minute
	}
	if cfg.MaxFlows == 0 {
		cfg.MaxFlows = 10000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Client{cfg: cfg, pending: map[string]pending{}}, nil
}

// FlowTTL is how long a sign-in may stay under way.
func (c *Client) FlowTTL() time.Duration { return c.cfg.FlowTTL }

func (c *Client) discover(ctx context.Context) (*gooidc.Provider, error) {
	c.mu.Lock()
	p := c.provider
	c.mu.Unlock()
	if p != nil {
		return p, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	// The key set fetches keys later with this context's client (not its
	// deadline): one with a timeout, so that a hung provider holds no
	// sign-in for ever.
	p, err := gooidc.NewProvider(gooidc.ClientContext(ctx, httpClient), c.cfg.Issuer)
	if err != nil {
		c.cfg.Logger.Warn("single sign-on provider unreachable", "issuer", c.cfg.Issuer, "err", err)
		return nil, hailong.Errorf(hailong.EUNAVAILABLE, "The province's sign-in service cannot be reached; try again later or sign in with a password.")
	}
	c.mu.Lock()
	c.provider = p
	c.mu.Unlock()
	return p, nil
}

func (c *Client) oauth2(p *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: c.cfg.ClientID, ClientSecret: c.cfg.ClientSecret, RedirectURL: c.cfg.RedirectURL,
		Endpoint: p.Endpoint(), Scopes: append([]string{gooidc.ScopeOpenID}, c.cfg.Scopes...),
	}
}

// Begin starts a sign-in: it returns the provider's address to send the
// browser to and the state, which the browser must bring back (in a
// cookie) with the provider's answer.
func (c *Client) Begin(ctx context.Context, f Flow) (authURL, state string, err error) {
	p, err := c.discover(ctx)
	if err != nil {
		return "", "", err
	}
	state, nonce, verifier := random(), random(), oauth2.GenerateVerifier()
	now := c.cfg.Now()
	c.mu.Lock()
	if len(c.pending) >= c.cfg.MaxFlows {
		c.purge(now)
	}
	for len(c.pending) >= c.cfg.MaxFlows { // still full: drop the oldest
		oldest, first := "", true
		for s, p := range c.pending {
			if first || p.seq < c.pending[oldest].seq {
				oldest, first = s, false
			}
		}
		delete(c.pending, oldest)
	}
	c.seq++
	c.pending[state] = pending{Flow: f, nonce: nonce, verifier: verifier, expires: now.Add(c.cfg.FlowTTL), seq: c.seq}
	c.mu.Unlock()
	return c.oauth2(p).AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), state, nil
}

func (c *Client) purge(now time.Time) {
	for s, p := range c.pending {
		if !now.Before(p.expires) {
			delete(c.pending, s)
		}
	}
}

// take removes a sign-in under way: each state is good once.
func (c *Client) take(state string) (pending, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[state]
	delete(c.pending, state)
	if !ok || !c.cfg.Now().Before(p.expires) {
		return pending{}, false
	}
	return p, true
}

// Abandon ends a sign-in the provider refused, returning its flow.
func (c *Client) Abandon(state string) (Flow, bool) {
	p, ok := c.take(state)
	return p.Flow, ok
}

// Finish ends a sign-in: the state must be one Begin gave and not yet
// used, the code is exchanged (with the PKCE verifier), and the ID token
// verified, its nonce included. It returns the name of the local account
// the configured claim gives. Every refusal is EUNAUTHORIZED; the reason
// goes to the log only.
func (c *Client) Finish(ctx context.Context, state, code string) (username string, f Flow, err error) {
	pd, ok := c.take(state)
	if !ok {
		return "", Flow{}, refuse("unknown, used or expired state")
	}
	p, err := c.discover(ctx)
	if err != nil {
		return "", pd.Flow, err
	}
	ctx = gooidc.ClientContext(ctx, httpClient)
	tok, err := c.oauth2(p).Exchange(ctx, code, oauth2.VerifierOption(pd.verifier))
	if err != nil {
		c.cfg.Logger.Info("single sign-on code exchange refused", "err", err)
		return "", pd.Flow, refuse("code exchange: " + err.Error())
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", pd.Flow, refuse("no ID token")
	}
	v := p.Verifier(&gooidc.Config{ClientID: c.cfg.ClientID, Now: c.cfg.Now})
	id, err := v.Verify(ctx, raw)
	if err != nil {
		c.cfg.Logger.Info("single sign-on ID token refused", "err", err)
		return "", pd.Flow, refuse("ID token: " + err.Error())
	}
	if id.Nonce != pd.nonce {
		c.cfg.Logger.Info("single sign-on ID token refused", "err", "nonce mismatch")
		return "", pd.Flow, refuse("nonce mismatch")
	}
	var claims map[string]any
	if err := id.Claims(&claims); err != nil {
		return "", pd.Flow, refuse("claims: " + err.Error())
	}
	name, _ := claims[c.cfg.Claim].(string)
	if c.cfg.Claim == "email" {
		// An address the provider has not verified (or does not say it
		// has) proves nothing.
		if verified, _ := claims["email_verified"].(bool); !verified {
			return "", pd.Flow, refuse("email not verified")
		}
	}
	if strings.TrimSpace(name) == "" {
		return "", pd.Flow, refuse("no " + c.cfg.Claim + " claim")
	}
	return name, pd.Flow, nil
}

// refuse is the one refusal of a sign-in; its cause (for the log and the
// audit record, never for the browser) is the error's Err.
func refuse(detail string) error {
	return &hailong.Error{Code: hailong.EUNAUTHORIZED, Message: "The sign-in with the province account was refused.", Err: errors.New(detail)}
}

func random() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}
