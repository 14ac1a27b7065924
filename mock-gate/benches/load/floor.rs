//! The crypto floor of one execute, measured in this process: what the gate must do per call
//! whatever its implementation — verify the lease JWT (ES256) and the DPoP proof (ES256), sign
//! the receipt (Ed25519), and a few SHA-256 (ath, thumbprint, request and result hashes) — with
//! the pure-Rust `p256` ES256 verification and with `ring`'s (the mock's).

use p256::ecdsa::signature::{Signer, Verifier};
use sha2::{Digest, Sha256};

/// CPU time of the calling thread, in seconds.
pub fn thread_cpu_secs() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid, writable rusage for the call.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// ES256 verification implementation.
#[derive(Clone, Copy)]
pub enum Es256 {
    /// `p256` (RustCrypto, pure Rust).
    P256,
    /// `ring` (what the mock verifies DPoP proofs with).
    Ring,
}

/// CPU ms of one set of (`es256_verifies` × ES256 verify, Ed25519 sign, 4 × SHA-256 of 700
/// bytes), averaged over `n` sets; `es256_verifies` = 1 is the floor with the per-token lease
/// cache.
pub fn floor_ms(n: u32, es256_verifies: u32, imp: Es256) -> f64 {
    let ec = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let ed = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let msg = vec![b'a'; 700];
    let sig: p256::ecdsa::Signature = ec.sign(&msg);
    let vk = *ec.verifying_key();
    let point = vk.to_encoded_point(false);
    let ring_key = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ECDSA_P256_SHA256_FIXED,
        point.as_bytes(),
    );
    let sig_bytes = sig.to_bytes();
    let start = thread_cpu_secs();
    for _ in 0..n {
        for _ in 0..es256_verifies {
            let ok = match imp {
                Es256::P256 => vk.verify(std::hint::black_box(&msg), &sig).is_ok(),
                Es256::Ring => ring_key
                    .verify(std::hint::black_box(&msg), &sig_bytes)
                    .is_ok(),
            };
            assert!(ok, "floor signature did not verify");
        }
        std::hint::black_box(ed.sign(&msg[..64]));
        for _ in 0..4 {
            std::hint::black_box(Sha256::digest(&msg));
        }
    }
    (thread_cpu_secs() - start) * 1000.0 / n as f64
}
