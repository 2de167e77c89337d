package ecsapi

import (
	"math"
	"reflect"
	"testing"
	"time"
)

func TestJobPollPauseIsJitteredWithinItsBounds(t *testing.T) {
	for _, nominal := range []time.Duration{time.Millisecond, time.Second, 10 * time.Second, time.Duration(math.MaxInt64)} {
		lowest, highest := time.Duration(math.MaxInt64), time.Duration(0)
		for range 2000 {
			d := jobPollPause(nominal)
			if d < nominal || (nominal < math.MaxInt64/2 && d > nominal+nominal/10) {
				t.Fatalf("nominal %s: pause %s outside [%s, %s]", nominal, d, nominal, nominal+nominal/10)
			}
			lowest, highest = min(lowest, d), max(highest, d)
		}
		// Across 2000 draws the spread must cover most of the tenth; a
		// pause without jitter would have none.
		if spread := highest - lowest; nominal < math.MaxInt64/2 && spread < nominal/20 {
			t.Errorf("nominal %s: pauses span only %s", nominal, spread)
		}
	}
	if d := jobPollPause(0); d != 0 {
		t.Errorf("pause for 0 is %s", d)
	}
}

// TestJobPollScheduleDoublesTheWait: polls come at about 1, 2, 4, 8 times
// the first interval, up to the cap, so a job of two seconds costs two
// polls and is seen to end within about its own duration.
func TestJobPollScheduleDoublesTheWait(t *testing.T) {
	var times []time.Duration
	waited := DefaultJobPollFirst
	for len(times) < 7 {
		times = append(times, waited)
		waited += nextJobPoll(waited, DefaultJobPollFirst, DefaultJobPollMax)
	}
	want := []time.Duration{
		1 * time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, 26 * time.Second, 36 * time.Second,
	}
	if !reflect.DeepEqual(times, want) {
		t.Errorf("poll times %v, want %v", times, want)
	}
	if d := nextJobPoll(0, time.Second, 10*time.Second); d != time.Second {
		t.Errorf("a pause shorter than the first interval: %s", d)
	}
	huge := time.Duration(math.MaxInt64)
	if d := nextJobPoll(huge, time.Second, huge); d != huge {
		t.Errorf("the cap near the largest duration gave %s", d)
	}
}

func TestJobWaitOptionsDefaults(t *testing.T) {
	tests := []struct {
		in                JobWaitOptions
		first, max, grace time.Duration
	}{
		{JobWaitOptions{}, time.Second, 10 * time.Second, 10 * time.Second},
		{JobWaitOptions{MaxInterval: 100 * time.Millisecond}, 100 * time.Millisecond, 100 * time.Millisecond, 10 * time.Second},
		{JobWaitOptions{FirstInterval: 30 * time.Second}, 30 * time.Second, 30 * time.Second, 10 * time.Second},
		{JobWaitOptions{FirstInterval: time.Millisecond, MaxInterval: 2 * time.Millisecond, NotFoundGrace: -1}, time.Millisecond, 2 * time.Millisecond, -1},
	}
	for _, tt := range tests {
		first, maxInterval, grace, err := tt.in.resolve()
		if err != nil || first != tt.first || maxInterval != tt.max || grace != tt.grace {
			t.Errorf("%+v: %s %s %s %v, want %s %s %s", tt.in, first, maxInterval, grace, err, tt.first, tt.max, tt.grace)
		}
	}
}
