//! The crypto floor of one execute, measured in this process: what the gate must do per call
//! whatever its implementation — verify the lease JWT (ES256) and the DPoP proof (ES256), sign
//! the receipt (Ed25519), and a few SHA-256 (ath, thumbprint, request and result hashes).

use p256::ecdsa::signature::{Signer, Verifier};
use sha2::{Digest, Sha256};

/// CPU time of the calling thread, in seconds.
pub fn thread_cpu_secs() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// CPU ms of one set of (ES256 verify, ES256 verify, Ed25519 sign, 4 × SHA-256 of 700 bytes),
/// averaged over `n` sets; with `es256_verifies` = 1 the per-token lease cache's floor.
pub fn floor_ms(n: u32, es256_verifies: u32) -> f64 {
    let ec = p256::ecdsa::SigningKey::random(&mut rand::rngs::OsRng);
    let ed = ed25519_dalek::SigningKey::generate(&mut rand::rngs::OsRng);
    let msg = vec![b'a'; 700];
    let sig: p256::ecdsa::Signature = ec.sign(&msg);
    let vk = *ec.verifying_key();
    let start = thread_cpu_secs();
    for _ in 0..n {
        for _ in 0..es256_verifies {
            assert!(vk.verify(std::hint::black_box(&msg), &sig).is_ok());
        }
        std::hint::black_box(ed.sign(&msg[..64]));
        for _ in 0..4 {
            std::hint::black_box(Sha256::digest(&msg));
        }
    }
    (thread_cpu_secs() - start) * 1000.0 / n as f64
}
