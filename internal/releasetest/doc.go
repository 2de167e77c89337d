// Package releasetest checks a release the way its users meet it: from the archives in dist/
// that `make release-snapshot` (goreleaser) leaves, never from source.
//
// Its tests check dist/ against the registries' layout (zips, SHA256SUMS, manifest), serve the
// zips as a network mirror (HTTPS on loopback, with a CA made by the test) and as filesystem
// mirrors, run a plain `init` with a version constraint through Terraform and OpenTofu, compare
// the lock file's hashes with SHA256SUMS and the zips, and apply a configuration with the
// installed binary against the simulator.
//
// They run only when RELEASE_TEST_DIST names the dist directory, as `make release-test` and
// .ci/run do, so that `make test` needs no goreleaser. Once asked to run they fail, never skip,
// when something is missing: RELEASE_TEST_CLIS must list at least one CLI.
package releasetest
