// Package testfixture generates throw-away credentials for the demo, the benchmark and the
// tests: random passwords that the ECS password policy accepts and RSA key pairs in PEM form.
//
// It is not product code. The provider, the API client and the simulator must not import it
// outside their tests, so nothing they ship depends on how test data is made.
package testfixture
