package simtest

import "testing"

// WithTB returns s reporting to t instead of the test that started it, so the package's tests
// can watch a helper fail without failing themselves.
func WithTB(s *Sim, t testing.TB) *Sim { return &Sim{Loopback: s.Loopback, t: t} }
