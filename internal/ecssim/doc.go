// Package ecssim is an in-memory simulator of the Huawei Cloud ECS password
// management APIs, the IAM token and project APIs they depend on, and the API
// gateway in front of them.
//
// The simulator is an implementation of the wire contract on its own: it does
// not share types with the API client in this repository, so a client mistake
// in URL building, signing or JSON encoding shows up as a failing request rather
// than being mirrored on both sides.
//
// What it serves:
//
//   - the v1 "cloudservers" password operations (reset, reset-support flag,
//     get and delete the encrypted Windows password, batch reset), show
//     server and the filtered, paged server list, with ECS error bodies such
//     as {"error":{"code":"Ecs.0114",...}};
//   - the v1 batch reboot, start and stop, whose jobs (GET /v1/.../jobs/{id})
//     run for a configurable time of the simulator's clock and make a reset
//     effective when they boot a server;
//   - the native OpenStack-style operations under /v2.1/ (and the /v2/ alias),
//     with Nova fault bodies such as {"itemNotFound":{"code":404,...}};
//   - POST /v3/auth/tokens and GET /v3/projects of IAM;
//   - a loopback-only control API under /_sim/ for seeding servers and
//     principals, injecting faults and inspecting ground truth.
//
// Requests are authenticated with SDK-HMAC-SHA256 AK/SK signatures or with
// tokens issued by the simulator, and authorized against per-principal IAM
// actions, including enterprise-project grants that only the v1 operations
// honour.
//
// Use New for an in-process http.Handler, StartLoopback for a loopback listener in
// tests, or ListenAndServe (which backs the ecs-simulator command). The README
// next to this file documents the HTTP control API.
package ecssim
