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
	fs := flag.NewFlagSet("ecs-simulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: ecs-simulator [flags]\n\n"+
			"Serves the ECS password and IAM APIs from memory. Prints the base URL on the first\n"+
			"line of standard output and logs requests to standard error.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var (
		addr      = fs.String("addr", ecssim.DefaultAddr, "listen address (host:port); port 0 picks a free port. The /_sim/ control API answers loopback clients only")
		accessKey = fs.String("access-key", ecssim.DefaultAccessKey, "access key of the default principal (every ECS action, project-wide)")
		secretKey = fs.String("secret-key", ecssim.DefaultSecretKey, "secret key of the default principal")
		projectID = fs.String("project-id", ecssim.DefaultProjectID, "IAM project ID of the simulated account")
		region    = fs.String("region", ecssim.DefaultRegion, "region; also the name of the project")
		user      = fs.String("user", ecssim.DefaultUser, "IAM user name for token login (any domain name is accepted)")
		password  = fs.String("password", ecssim.DefaultPassword, "IAM user password for token login")
		latency   = fs.Duration("latency", 0, "delay added to every API request, e.g. 200ms")
		rateLimit = fs.Float64("rate-limit", 0, "API requests per second allowed per credential; 0 = unlimited")
		seedFile  = fs.String("seed", "", "JSON file holding an array of servers in the POST /_sim/servers shape")
		faultSeed = fs.Uint64("fault-seed", ecssim.DefaultRandSeed, "seed for rate-based faults (same seed, same faults)")
		clockOff  = fs.Duration("clock-offset", 0, "run the simulator's clock ahead of (e.g. 20m) or behind (-20m) the system clock; beyond 15m either way signatures expire")
		jobDur    = fs.Duration("job-duration", ecssim.DefaultJobDuration, "how long a batch reboot, start or stop job runs, e.g. 200ms (1ms to 24h)")
		tokenLife = fs.Duration("token-lifetime", ecssim.DefaultTokenLifetime, "how long IAM tokens stay valid (1s to 24h)")
		metaLife  = fs.Duration("metadata-lifetime", ecssim.DefaultMetadataLifetime, "how long credentials from GET /openstack/latest/securitykey stay valid (1s to 24h)")
		tlsCert   = fs.String("tls-cert", "", "PEM certificate (chain) file: serve HTTPS with it; needs -tls-key")
		tlsKey    = fs.String("tls-key", "", "PEM private key file of -tls-cert")
		clientCA  = fs.String("tls-client-ca", "", "PEM file of CA certificates: demand a client certificate signed by one of them (needs -tls-cert)")
	)
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
	if *latency < 0 || *rateLimit < 0 {
		fmt.Fprintln(stderr, "ecs-simulator: -latency and -rate-limit must not be negative")
		return 2
	}
	if *clockOff > ecssim.MaxClockOffset || *clockOff < -ecssim.MaxClockOffset {
		fmt.Fprintf(stderr, "ecs-simulator: -clock-offset must be within %v either way\n", ecssim.MaxClockOffset)
		return 2
	}

	if *jobDur < ecssim.MinJobDuration || *jobDur > ecssim.MaxJobDuration {
		fmt.Fprintf(stderr, "ecs-simulator: -job-duration must be between %v and %v\n", ecssim.MinJobDuration, ecssim.MaxJobDuration)
		return 2
	}
	if *tokenLife < ecssim.MinTokenLifetime || *tokenLife > ecssim.MaxTokenLifetime {
		fmt.Fprintf(stderr, "ecs-simulator: -token-lifetime must be between %v and %v\n", ecssim.MinTokenLifetime, ecssim.MaxTokenLifetime)
		return 2
	}
	if *metaLife < ecssim.MinMetadataLifetime || *metaLife > ecssim.MaxMetadataLifetime {
		fmt.Fprintf(stderr, "ecs-simulator: -metadata-lifetime must be between %v and %v\n", ecssim.MinMetadataLifetime, ecssim.MaxMetadataLifetime)
		return 2
	}
	tlsConfig, err := loadTLS(*tlsCert, *tlsKey, *clientCA)
	if err != nil {
		fmt.Fprintf(stderr, "ecs-simulator: %v\n", err)
		return 2
	}

	logger := log.New(stderr, "ecs-simulator: ", log.LstdFlags|log.LUTC)
	cfg := ecssim.Config{
		ProjectID:        *projectID,
		Region:           *region,
		AccessKey:        *accessKey,
		SecretKey:        *secretKey,
		User:             *user,
		Password:         *password,
		Latency:          *latency,
		RateLimit:        *rateLimit,
		RandSeed:         *faultSeed,
		ClockOffset:      *clockOff,
		JobDuration:      *jobDur,
		TokenLifetime:    *tokenLife,
		MetadataLifetime: *metaLife,
		TLS:              tlsConfig,
		// Failed TLS handshakes (a client that distrusts the certificate
		// or sends no client certificate) show up here.
		ErrorLog: logger,
		OnRequest: func(rec ecssim.RequestRecord) {
			logger.Printf("%s %s %d request_id=%s", rec.Method, logPath(rec.Path), rec.Status, rec.RequestID)
		},
	}
	if *seedFile != "" {
		seed, err := readSeed(*seedFile)
		if err != nil {
			fmt.Fprintf(stderr, "ecs-simulator: %v\n", err)
			return 2
		}
		cfg.Seed = seed
	}

	err = ecssim.ListenAndServe(ctx, *addr, cfg, func(url string) {
		fmt.Fprintln(stdout, url)
		logger.Printf("listening on %s (region %s, project %s, %d seeded servers)", url, *region, *projectID, len(cfg.Seed))
		if *clientCA != "" {
			logger.Printf("TLS clients must present a certificate signed by a CA in %s", *clientCA)
		}
		if cfg.ClockOffset != 0 {
			logger.Printf("clock offset %v: the simulator's clock reads %s", cfg.ClockOffset, time.Now().Add(cfg.ClockOffset).UTC().Format(time.RFC3339))
		}
	})
	if err != nil {
		logger.Printf("error: %v", err)
		return 1
	}
	logger.Printf("stopped")
	return 0
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
