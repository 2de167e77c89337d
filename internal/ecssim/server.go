package ecssim

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// shutdownGrace is how long ListenAndServe waits for in-flight requests
// after its context is cancelled.
const shutdownGrace = 5 * time.Second

// Loopback is a Simulator listening on a loopback port, for tests.
type Loopback struct {
	*Simulator
	// URL is the base URL, like http://127.0.0.1:PORT (https:// with
	// Config.TLS), usable as both the ECS and the IAM endpoint.
	URL string

	srv  *http.Server
	done chan struct{}
}

// StartLoopback starts a simulator on 127.0.0.1 with a free port, serving
// HTTPS when cfg.TLS is set. Call Close when done (t.Cleanup(srv.Close) in
// tests).
func StartLoopback(cfg Config) (*Loopback, error) {
	sim, err := newSimulator(cfg)
	if err != nil {
		return nil, err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on loopback: %w", err)
	}
	ln, scheme, err := wrapTLS(ln, cfg.TLS)
	if err != nil {
		return nil, err
	}
	s := &Loopback{
		Simulator: sim,
		URL:       baseURL(scheme, ln.Addr()),
		srv:       sim.httpServer(context.Background()),
		done:      make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln) // Returns http.ErrServerClosed after Close.
	}()
	return s, nil
}

// Close stops the server at once, dropping open connections, and waits
// until it has stopped accepting.
func (s *Loopback) Close() {
	_ = s.srv.Close()
	<-s.done
}

// ListenAndServe serves a simulator on addr (HTTPS when cfg.TLS is set)
// until ctx is cancelled, then shuts down gracefully and returns nil. ready,
// if not nil, is called with the base URL once the listener is open (with
// port 0 it holds the real port). Invalid cfg.Seed entries, an unusable
// cfg.TLS and listen failures are returned as errors.
func ListenAndServe(ctx context.Context, addr string, cfg Config, ready func(url string)) error {
	sim, err := newSimulator(cfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	ln, scheme, err := wrapTLS(ln, cfg.TLS)
	if err != nil {
		return err
	}
	// Requests still sleeping in a latency or delay fault see this context
	// end, so shutdown is not held up by them.
	baseCtx, cancelBase := context.WithCancel(context.Background())
	defer cancelBase()
	srv := sim.httpServer(baseCtx)
	if ready != nil {
		ready(baseURL(scheme, ln.Addr()))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	cancelBase()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// wrapTLS returns ln unchanged with scheme "http" when cfg is nil, and
// otherwise a TLS listener with scheme "https". It closes ln when cfg cannot
// serve.
func wrapTLS(ln net.Listener, cfg *tls.Config) (net.Listener, string, error) {
	if cfg == nil {
		return ln, "http", nil
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil && cfg.GetConfigForClient == nil {
		_ = ln.Close()
		return nil, "", errors.New("the TLS configuration has no server certificate")
	}
	c := cfg.Clone()
	// HTTP/1.1 only: see Config.TLS.
	c.NextProtos = []string{"http/1.1"}
	return tls.NewListener(ln, c), "https", nil
}

// httpServer wraps the simulator in an http.Server that counts accepted
// connections.
func (s *Simulator) httpServer(base context.Context) *http.Server {
	errLog := s.cfg.ErrorLog
	if errLog == nil {
		errLog = log.New(io.Discard, "", 0)
	}
	return &http.Server{
		ErrorLog:          errLog,
		Handler:           s,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return base },
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				s.conns.Add(1)
			}
		},
	}
}

// baseURL turns a listener address into a URL clients can use: an
// unspecified address (0.0.0.0 or ::) is reachable on loopback.
func baseURL(scheme string, addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return scheme + "://" + addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return scheme + "://" + net.JoinHostPort(ip.String(), fmt.Sprint(tcp.Port))
}
