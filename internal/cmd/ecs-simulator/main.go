// Command ecs-simulator serves the ECS password and IAM APIs from memory, for
// local development, demos and tests of clients such as this provider.
//
// It prints its base URL as the first line on standard output once it is
// listening, logs one line per request to standard error and exits with
// status 0 on SIGINT or SIGTERM. See internal/ecssim/README.md for the flags
// and the /_sim/ control API.
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/terraform-provider-ecs/terraform-provider-ecs/internal/ecssim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole command; it returns the exit status: 0 after a clean
// shutdown, 1 when serving fails, 2 for bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet(stderr, &o)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "ecs-simulator: unexpected arguments: %q\n", fs.Args())
		fs.Usage()
		return 2
	}
	if err := o.check(); err != nil {
		fmt.Fprintf(stderr, "ecs-simulator: %v\n", err)
		return 2
	}
	logger := log.New(stderr, "ecs-simulator: ", log.LstdFlags|log.LUTC)
	cfg, err := o.config(logger)
	if err != nil {
		fmt.Fprintf(stderr, "ecs-simulator: %v\n", err)
		return 2
	}
	err = ecssim.ListenAndServe(ctx, o.addr, cfg, func(url string) {
		fmt.Fprintln(stdout, url)
		o.logStart(logger, url, cfg)
	})
	if err != nil {
		logger.Printf("error: %v", err)
		return 1
	}
	logger.Printf("stopped")
	return 0
}

// options are the command's flags.
type options struct {
	addr, accessKey, secretKey, projectID, region, user, password string
	seedFile, tlsCert, tlsKey, clientCA                           string

	latency, clockOffset, jobDuration, tokenLifetime, metadataLifetime time.Duration

	rateLimit float64
	faultSeed uint64
}

// newFlagSet defines the flags, storing their values in o.
func newFlagSet(stderr io.Writer, o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("ecs-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ecs-simulator [flags]\n\n"+
			"Serves the ECS password and IAM APIs from memory. Prints the base URL on the first\n"+
			"line of standard output and logs requests to standard error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.addr, "addr", ecssim.DefaultAddr, "listen address (host:port); port 0 picks a free port. The /_sim/ control API answers loopback clients only")
	fs.StringVar(&o.accessKey, "access-key", ecssim.DefaultAccessKey, "access key of the default principal (every ECS action, project-wide)")
	fs.StringVar(&o.secretKey, "secret-key", ecssim.DefaultSecretKey, "secret key of the default principal")
	fs.StringVar(&o.projectID, "project-id", ecssim.DefaultProjectID, "IAM project ID of the simulated account")
	fs.StringVar(&o.region, "region", ecssim.DefaultRegion, "region; also the name of the project")
	fs.StringVar(&o.user, "user", ecssim.DefaultUser, "IAM user name for token login (any domain name is accepted)")
	fs.StringVar(&o.password, "password", ecssim.DefaultPassword, "IAM user password for token login")
	fs.DurationVar(&o.latency, "latency", 0, "delay added to every API request, e.g. 200ms")
	fs.Float64Var(&o.rateLimit, "rate-limit", 0, "API requests per second allowed per credential; 0 = unlimited")
	fs.StringVar(&o.seedFile, "seed", "", "JSON file holding an array of servers in the POST /_sim/servers shape")
	fs.Uint64Var(&o.faultSeed, "fault-seed", ecssim.DefaultRandSeed, "seed for rate-based faults (same seed, same faults)")
	fs.DurationVar(&o.clockOffset, "clock-offset", 0, "run the simulator's clock ahead of (e.g. 20m) or behind (-20m) the system clock; beyond 15m either way signatures expire")
	fs.DurationVar(&o.jobDuration, "job-duration", ecssim.DefaultJobDuration, "how long a batch reboot, start or stop job runs, e.g. 200ms (1ms to 24h)")
	fs.DurationVar(&o.tokenLifetime, "token-lifetime", ecssim.DefaultTokenLifetime, "how long IAM tokens stay valid (1s to 24h)")
	fs.DurationVar(&o.metadataLifetime, "metadata-lifetime", ecssim.DefaultMetadataLifetime, "how long credentials from GET /openstack/latest/securitykey stay valid (1s to 24h)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS with it; needs -tls-key")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key file of -tls-cert")
	fs.StringVar(&o.clientCA, "tls-client-ca", "", "PEM file of CA certificates: demand a client certificate signed by one of them (needs -tls-cert)")
	return fs
}

// check refuses values out of range, naming the flag; the files the flags
// name are read later, by config.
func (o *options) check() error {
	switch {
	case o.latency < 0 || o.rateLimit < 0:
		return errors.New("-latency and -rate-limit must not be negative")
	case o.clockOffset > ecssim.MaxClockOffset || o.clockOffset < -ecssim.MaxClockOffset:
		return fmt.Errorf("-clock-offset must be within %v either way", ecssim.MaxClockOffset)
	case o.jobDuration < ecssim.MinJobDuration || o.jobDuration > ecssim.MaxJobDuration:
		return fmt.Errorf("-job-duration must be between %v and %v", ecssim.MinJobDuration, ecssim.MaxJobDuration)
	case o.tokenLifetime < ecssim.MinTokenLifetime || o.tokenLifetime > ecssim.MaxTokenLifetime:
		return fmt.Errorf("-token-lifetime must be between %v and %v", ecssim.MinTokenLifetime, ecssim.MaxTokenLifetime)
	case o.metadataLifetime < ecssim.MinMetadataLifetime || o.metadataLifetime > ecssim.MaxMetadataLifetime:
		return fmt.Errorf("-metadata-lifetime must be between %v and %v", ecssim.MinMetadataLifetime, ecssim.MaxMetadataLifetime)
	}
	return nil
}

// config builds the simulator's configuration, reading the TLS files and
// then the seed file; logger gets the request log and TLS errors.
func (o *options) config(logger *log.Logger) (ecssim.Config, error) {
	tlsConfig, err := loadTLS(o.tlsCert, o.tlsKey, o.clientCA)
	if err != nil {
		return ecssim.Config{}, err
	}
	cfg := ecssim.Config{
		ProjectID:        o.projectID,
		Region:           o.region,
		AccessKey:        o.accessKey,
		SecretKey:        o.secretKey,
		User:             o.user,
		Password:         o.password,
		Latency:          o.latency,
		RateLimit:        o.rateLimit,
		RandSeed:         o.faultSeed,
		ClockOffset:      o.clockOffset,
		JobDuration:      o.jobDuration,
		TokenLifetime:    o.tokenLifetime,
		MetadataLifetime: o.metadataLifetime,
		TLS:              tlsConfig,
		// Failed TLS handshakes (a client that distrusts the certificate
		// or sends no client certificate) show up here.
		ErrorLog: logger,
		OnRequest: func(rec ecssim.RequestRecord) {
			logger.Printf("%s %s %d request_id=%s", rec.Method, logPath(rec.Path), rec.Status, rec.RequestID)
		},
	}
	if o.seedFile != "" {
		seed, err := readSeed(o.seedFile)
		if err != nil {
			return ecssim.Config{}, err
		}
		cfg.Seed = seed
	}
	return cfg, nil
}

// logStart logs what the simulator serves once it listens at url.
func (o *options) logStart(logger *log.Logger, url string, cfg ecssim.Config) {
	logger.Printf("listening on %s (region %s, project %s, %d seeded servers)", url, o.region, o.projectID, len(cfg.Seed))
	if o.clientCA != "" {
		logger.Printf("TLS clients must present a certificate signed by a CA in %s", o.clientCA)
	}
	if cfg.ClockOffset != 0 {
		logger.Printf("clock offset %v: the simulator's clock reads %s", cfg.ClockOffset, time.Now().Add(cfg.ClockOffset).UTC().Format(time.RFC3339))
	}
}

// logPath keeps a request's path on its log line: the path is decoded, so a
// client can put line breaks or spaces in it (%0A, %20) and would otherwise
// forge log lines. Such paths are quoted; ordinary ones are printed as is.
func logPath(p string) string {
	if strings.ContainsFunc(p, func(r rune) bool { return r <= ' ' || !unicode.IsPrint(r) }) {
		return strconv.Quote(p)
	}
	return p
}

// loadTLS builds the TLS configuration of the -tls-* flags; nil when none
// is set.
func loadTLS(certFile, keyFile, clientCAFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		if clientCAFile != "" {
			return nil, errors.New("-tls-client-ca needs -tls-cert and -tls-key")
		}
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("-tls-cert and -tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("-tls-cert/-tls-key: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if clientCAFile != "" {
		data, err := os.ReadFile(clientCAFile)
		if err != nil {
			return nil, fmt.Errorf("-tls-client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("-tls-client-ca: %s holds no PEM certificate", clientCAFile)
		}
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// readSeed loads a JSON array of servers. Unknown fields are errors, so a
// misspelt field does not silently create a different server.
func readSeed(name string) ([]ecssim.ServerSpec, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("read seed file: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var specs []ecssim.ServerSpec
	if err := dec.Decode(&specs); err != nil {
		return nil, fmt.Errorf("seed file %s: want a JSON array of servers: %w", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("seed file %s: data after the JSON array", name)
	}
	return specs, nil
}
