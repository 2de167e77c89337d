package ecssim

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// maxRetryAfter caps the advertised wait of a throttled request.
const maxRetryAfter = 24 * time.Hour

// bucket is a token bucket for one credential. It refills from the
// simulator clock, so a test with a fixed Config.Now gets a deterministic
// number of requests through.
type bucket struct {
	tokens float64
	last   time.Time
}

// take removes one token if available. Otherwise it returns how long until
// one will be.
func (b *bucket) take(now time.Time, rate float64) (bool, time.Duration) {
	burst := math.Max(1, rate)
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(burst, b.tokens+elapsed.Seconds()*rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	// Capped so that a tiny rate cannot overflow time.Duration.
	wait := math.Min((1-b.tokens)/rate, maxRetryAfter.Seconds())
	return false, time.Duration(wait * float64(time.Second))
}

// allowRate applies the per-credential rate limit. When it refuses, it
// also returns the wait and the limit it applied, for the 429 answer.
func (s *Simulator) allowRate(key string) (ok bool, wait time.Duration, limit float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit = s.rateLimit
	if limit <= 0 {
		return true, 0, limit
	}
	now := s.now()
	b, found := s.buckets[key]
	if !found {
		b = &bucket{tokens: math.Max(1, limit), last: now}
		s.buckets[key] = b
	}
	ok, wait = b.take(now, limit)
	return ok, wait, limit
}

// SetRateLimit changes the per-credential limit in requests per second; 0
// removes it. Every credential starts again with a full bucket.
func (s *Simulator) SetRateLimit(perSecond float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if perSecond < 0 || math.IsNaN(perSecond) || math.IsInf(perSecond, 0) {
		perSecond = 0
	}
	s.rateLimit = perSecond
	s.buckets = map[string]*bucket{}
}

func (s *Simulator) currentRateLimit() float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rateLimit
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1, as the
// Retry-After header needs.
func retryAfterSeconds(d time.Duration) int {
	secs := int(math.Ceil(d.Seconds()))
	return max(secs, 1)
}

// writeThrottled answers like the API gateway when a throttling policy
// trips: 429 APIGW.0308 with Retry-After.
func writeThrottled(w http.ResponseWriter, wait time.Duration, limit float64, reqID string) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	writeGatewayError(w, http.StatusTooManyRequests, codeThrottled,
		fmt.Sprintf("The throttling threshold has been reached: policy user over ratelimit, limit:%g, time:1 second", limit), reqID)
}
