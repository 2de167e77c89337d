package ecssim

import (
	"crypto/tls"
	"log"
	"time"
)

// Defaults used when the matching Config field is empty. The ecs-simulator
// command uses the same values for its flags, so a provider configured with
// them talks to a simulator started without arguments.
const (
	DefaultRegion    = "cn-north-4"
	DefaultProjectID = "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e"
	DefaultAccessKey = "ECSSIMACCESSKEY00001"
	DefaultSecretKey = "ecssim-secret-key-for-local-use-only"
	DefaultUser      = "ecssim-user"
	DefaultPassword  = "ecssim-password"
	DefaultAddr      = "127.0.0.1:8089"
	// DefaultRandSeed seeds the generator behind rate-based faults when
	// Config.RandSeed is zero, so fault sequences repeat from run to run.
	DefaultRandSeed uint64 = 1
	// DefaultJobDuration is how long a batch reboot, start or stop job takes
	// when Config.JobDuration is zero: long enough that a client polling the
	// job sees it running, short enough for a demo.
	DefaultJobDuration = 2 * time.Second
	// DefaultTokenLifetime is how long IAM tokens stay valid when
	// Config.TokenLifetime is zero: 24 hours, as on Huawei Cloud (contract
	// §2.3).
	DefaultTokenLifetime = 24 * time.Hour
	// DefaultMetadataLifetime is how long the temporary credentials of the
	// instance metadata endpoint stay valid when Config.MetadataLifetime is
	// zero. The real lifetime is not documented; an hour is long enough for
	// a demo and short enough that a long test run sees a refresh.
	DefaultMetadataLifetime = time.Hour
)

// MinTokenLifetime and MaxTokenLifetime bound the lifetime of IAM tokens.
// A second is the control API's unit; IAM never issues tokens valid for
// longer than a day.
const (
	MinTokenLifetime = time.Second
	MaxTokenLifetime = 24 * time.Hour
)

// MinMetadataLifetime and MaxMetadataLifetime bound the lifetime of the
// credentials the instance metadata endpoint hands out.
const (
	MinMetadataLifetime = time.Second
	MaxMetadataLifetime = 24 * time.Hour
)

// MinAssumeRoleDuration and MaxAssumeRoleDuration bound duration_seconds of
// an assume-role request (contract §2.9); DefaultAssumeRoleDuration applies
// when the request gives none.
const (
	MinAssumeRoleDuration     = 900 * time.Second
	MaxAssumeRoleDuration     = 43200 * time.Second
	DefaultAssumeRoleDuration = MinAssumeRoleDuration
)

// MinJobDuration and MaxJobDuration bound the duration of jobs. The control
// API speaks whole milliseconds, so a shorter job could not be reported;
// beyond a day a job would outlive the day for which finished jobs are kept.
const (
	MinJobDuration = time.Millisecond
	MaxJobDuration = 24 * time.Hour
)

// MaxClockOffset bounds Config.ClockOffset and the clock offset set at run
// time in either direction. Ten years reach past any token or signature
// window while keeping timestamps printable.
const MaxClockOffset = 10 * 365 * 24 * time.Hour

// Internal identities reported in IAM and show-server bodies. They are fixed so
// that responses are stable between runs.
const (
	simDomainID = "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
	simUserID   = "1a2b3c4d5e6f708192a3b4c5d6e7f809"
)

// Config configures a Simulator. The zero value is usable: every empty field
// takes the matching Default constant.
type Config struct {
	// ProjectID is the IAM project the default principal and the IAM user
	// belong to; the project's name is Region.
	ProjectID string
	// Region names the project for IAM lookups and token scopes.
	Region string
	// AccessKey and SecretKey define the default principal, which holds every
	// ECS action project-wide in ProjectID.
	AccessKey string
	SecretKey string
	// User and Password are the IAM user that can log in through
	// POST /v3/auth/tokens (any domain name is accepted).
	User     string
	Password string
	// Latency is added to every API request (never to the /_sim/ control API).
	Latency time.Duration
	// RateLimit is the number of API requests per second allowed for each
	// credential; 0 means unlimited. Requests over it get 429 APIGW.0308 with
	// a Retry-After header.
	RateLimit float64
	// Now is the clock used for signature skew checks, token expiry, rate
	// limiting and timestamps; nil means time.Now.
	Now func() time.Time
	// ClockOffset is added to every reading of Now, so the simulator's clock
	// runs ahead (positive) or behind (negative) the clients' clocks. With
	// more than 15 minutes either way, correctly signed requests fail with
	// "signature expired". Tokens and timestamps follow the shifted clock;
	// SetClockOffset changes the offset later, for example by 24 hours to
	// expire the tokens already issued. It must lie within MaxClockOffset
	// either way.
	ClockOffset time.Duration
	// JobDuration is how long a batch reboot, start or stop job runs, measured
	// on the simulator's clock; zero means DefaultJobDuration. Otherwise it
	// must lie between MinJobDuration and MaxJobDuration. SetJobDuration
	// changes it for jobs accepted later.
	JobDuration time.Duration
	// Seed lists servers created when the simulator starts.
	Seed []ServerSpec
	// RandSeed seeds the generator that decides rate-based faults; 0 means
	// DefaultRandSeed. The same seed and request sequence give the same faults.
	RandSeed uint64
	// TokenLifetime is how long IAM tokens issued by POST /v3/auth/tokens
	// stay valid on the simulator's clock; zero means DefaultTokenLifetime.
	// Otherwise it must lie between MinTokenLifetime and MaxTokenLifetime.
	// SetTokenLifetime changes it for tokens issued later.
	TokenLifetime time.Duration
	// MetadataLifetime is how long the temporary credentials of
	// GET /openstack/latest/securitykey stay valid; zero means
	// DefaultMetadataLifetime. Otherwise it must lie between
	// MinMetadataLifetime and MaxMetadataLifetime. SetMetadataSettings
	// changes it and the rest of the endpoint's behaviour.
	MetadataLifetime time.Duration
	// TLS, when set, makes StartLoopback and ListenAndServe serve HTTPS with
	// this configuration (it needs a certificate; set ClientAuth and
	// ClientCAs to demand client certificates). The simulator serves
	// HTTP/1.1 only, whatever NextProtos says, because injected connection
	// resets need to take over the connection, which HTTP/2 does not allow.
	// Handler ignores it.
	TLS *tls.Config
	// ErrorLog receives the HTTP server's own errors, such as failed TLS
	// handshakes; nil discards them.
	ErrorLog *log.Logger
	// OnRequest, when set, is called once per handled request (API and
	// control API alike) after the response is written. Records never hold
	// secrets. It must be safe for concurrent use.
	OnRequest func(RequestRecord)
}

// withDefaults returns a copy of c with every empty field filled in.
func (c Config) withDefaults() Config {
	if c.ProjectID == "" {
		c.ProjectID = DefaultProjectID
	}
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.AccessKey == "" {
		c.AccessKey = DefaultAccessKey
	}
	if c.SecretKey == "" {
		c.SecretKey = DefaultSecretKey
	}
	if c.User == "" {
		c.User = DefaultUser
	}
	if c.Password == "" {
		c.Password = DefaultPassword
	}
	if c.Latency < 0 {
		c.Latency = 0
	}
	if c.RateLimit < 0 {
		c.RateLimit = 0
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.JobDuration == 0 {
		c.JobDuration = DefaultJobDuration
	}
	if c.TokenLifetime == 0 {
		c.TokenLifetime = DefaultTokenLifetime
	}
	if c.MetadataLifetime == 0 {
		c.MetadataLifetime = DefaultMetadataLifetime
	}
	if c.RandSeed == 0 {
		c.RandSeed = DefaultRandSeed
	}
	return c
}
