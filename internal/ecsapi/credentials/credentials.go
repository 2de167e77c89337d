// Package credentials finds the credentials the API client signs its calls
// with, the ways Huawei Cloud users already hold them (contract §2.3, §2.9):
// fixed access keys or a token, a user login, a KooCLI profile, an agency
// assumed through IAM, and the ECS instance metadata service.
//
// Each way is a Source with one method, Fetch. A Cache hands out what a
// Source fetched and fetches again shortly before it expires; it is the
// ecsapi.CredentialsProvider the client asks before every attempt. New
// composes the sources of a Spec into one chain: the base credentials and,
// when an agency is to be assumed, the agency's credentials obtained with
// them. Which base credentials a configuration means (the precedence of
// the provider block, the environment, the profile and instance metadata)
// is decided by the caller; the Terraform provider documents it.
//
// The package knows nothing about Terraform.
package credentials

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecsapi"
)

// Value is what a Source fetched: credentials and when they expire.
type Value struct {
	ecsapi.Credentials
	// Expires is when the credentials stop working; zero means they do
	// not expire (or that nobody says when).
	Expires time.Time
}

// Source fetches credentials. A Cache calls Fetch only when it has none
// or the ones it has are about to expire, and never twice at once.
type Source interface {
	Fetch(ctx context.Context) (Value, error)
}

const (
	// maxRenewAhead is how long before they expire credentials are
	// renewed at the latest; credentials that live for less than twice as
	// long are renewed half-way through their life.
	maxRenewAhead = 10 * time.Minute
	// maxExpiryMargin is how long before they expire credentials stop
	// being handed out while a renewal is under way (at most a tenth of
	// their life), so that a request signed with them still arrives in
	// time.
	maxExpiryMargin = time.Minute
	// fetchTimeout bounds one fetch, which runs on behalf of every caller
	// waiting for it and so is not bound to any one caller's context.
	fetchTimeout = 2 * time.Minute
	// retryFailedRenewal is how long a failed renewal is not repeated
	// while the current credentials still work.
	retryFailedRenewal = 5 * time.Second
)

// Cache hands out the credentials of a Source, fetching them when it has
// none and renewing them shortly before they expire. It is safe for
// concurrent use: concurrent callers share one fetch, and while
// credentials that still work are renewed, callers keep getting them
// instead of waiting.
type Cache struct {
	src  Source
	name string
	now  func() time.Time
	log  ecsapi.Logger

	mu        sync.Mutex
	cur       Value
	have      bool
	fetchedAt time.Time
	// stale is set by Expire: the service refused the current
	// credentials, so they are not handed out again.
	stale    bool
	inflight *fetch
	failedAt time.Time
}

// fetch is one call of the source's Fetch, shared by everyone waiting.
type fetch struct {
	done chan struct{}
	val  Value
	err  error
}

var _ ecsapi.CredentialsProvider = (*Cache)(nil)
var _ ecsapi.CredentialsExpirer = (*Cache)(nil)

// NewCache returns a Cache over src. name describes the source in errors
// and logs (such as `agency "ops" of account "acme"`); now is the clock
// (nil: time.Now); logger, when not nil, hears of every fetch.
func NewCache(src Source, name string, now func() time.Time, logger ecsapi.Logger) *Cache {
	if now == nil {
		now = time.Now
	}
	return &Cache{src: src, name: name, now: now, log: logger}
}

// String names the source.
func (c *Cache) String() string { return c.name }

// Retrieve implements ecsapi.CredentialsProvider.
func (c *Cache) Retrieve(ctx context.Context) (ecsapi.Credentials, error) {
	c.mu.Lock()
	now := c.now()
	if c.have && !c.stale {
		renewAt, usableUntil := c.deadlines()
		if now.Before(renewAt) {
			cur := c.cur.Credentials
			c.mu.Unlock()
			return cur, nil
		}
		if now.Before(usableUntil) {
			// Renew in the background and keep using what still works.
			if c.inflight == nil && now.Sub(c.failedAt) >= retryFailedRenewal {
				c.start(ctx)
			}
			cur := c.cur.Credentials
			c.mu.Unlock()
			return cur, nil
		}
	}
	f := c.inflight
	if f == nil {
		f = c.start(ctx)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
	case <-ctx.Done():
		return ecsapi.Credentials{}, fmt.Errorf("%s: %w", c.name, ctx.Err())
	}
	if f.err != nil {
		return ecsapi.Credentials{}, f.err
	}
	return f.val.Credentials, nil
}

// Expire implements ecsapi.CredentialsExpirer: unless the refused
// credentials were already replaced, the next Retrieve fetches new ones.
// Credentials without an expiry (fixed keys, a token, a profile's keys)
// cannot be renewed: fetching them again would only repeat the refusal, and
// repeated signature failures lock an access key.
func (c *Cache) Expire(used ecsapi.Credentials) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.have || c.cur.Expires.IsZero() {
		return false
	}
	if c.cur.Credentials == used {
		c.stale = true
	}
	return true
}

// deadlines returns when the current credentials are to be renewed and
// until when they may be handed out while the renewal runs. Credentials
// without an expiry are never renewed.
func (c *Cache) deadlines() (renewAt, usableUntil time.Time) {
	exp := c.cur.Expires
	if exp.IsZero() {
		forever := time.Unix(1<<62, 0)
		return forever, forever
	}
	life := max(exp.Sub(c.fetchedAt), 0)
	return exp.Add(-min(maxRenewAhead, life/2)), exp.Add(-min(maxExpiryMargin, life/10))
}

// start begins a fetch; c.mu must be held. The fetch keeps the values of
// ctx (such as a logger) but not its cancellation: others may be waiting
// for it.
func (c *Cache) start(ctx context.Context) *fetch {
	f := &fetch{done: make(chan struct{})}
	c.inflight = f
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), fetchTimeout)
	go func() {
		defer cancel()
		started := c.now()
		v, err := c.src.Fetch(fctx)
		if err == nil && !v.Expires.IsZero() && !v.Expires.After(started) {
			// Checked against the time the fetch started, to leave clock
			// skew to the service: it refuses what it thinks has expired.
			err = fmt.Errorf("the credentials expired at %s, before they were received", v.Expires.UTC().Format(time.RFC3339))
		}
		if err != nil {
			err = fmt.Errorf("%s: %w", c.name, err)
		}
		c.mu.Lock()
		if err == nil {
			c.cur, c.have, c.stale, c.fetchedAt = v, true, false, started
			c.failedAt = time.Time{}
		} else {
			c.failedAt = c.now()
		}
		f.val, f.err = v, err
		c.inflight = nil
		c.mu.Unlock()
		close(f.done)
		c.logFetch(fctx, v, err)
	}()
	return f
}

func (c *Cache) logFetch(ctx context.Context, v Value, err error) {
	if c.log == nil {
		return
	}
	fields := map[string]any{"source": c.name}
	if err != nil {
		fields["error"] = err.Error()
		c.log.Warn(ctx, "could not obtain credentials", fields)
		return
	}
	if !v.Expires.IsZero() {
		fields["expires_at"] = v.Expires.UTC().Format(time.RFC3339)
	}
	c.log.Debug(ctx, "obtained credentials", fields)
}

// Static is a Source of fixed credentials: an access key pair (with a
// security token when it is temporary) or a token.
type Static struct {
	Credentials ecsapi.Credentials
}

// Fetch implements Source.
func (s Static) Fetch(context.Context) (Value, error) { return Value{Credentials: s.Credentials}, nil }

// none is the credentials provider of the clients that only make
// unauthenticated calls (the login and the metadata service).
type none struct{}

func (none) Retrieve(context.Context) (ecsapi.Credentials, error) {
	return ecsapi.Credentials{}, errors.New("this client makes unauthenticated calls only")
}
