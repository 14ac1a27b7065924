//! `sdk.pkg.*`: what the SDK says about itself (version, runtime).

use crate::check::ensure;

sdk_fn!(pkg_version, |ctx| {
    let v = ctx.hello.sdk.version.clone();
    let parts: Vec<&str> = v.split(['.', '-', '+']).collect();
    ensure(
        parts.len() >= 3 && parts[..3].iter().all(|p| p.parse::<u64>().is_ok()),
        || format!("SDK version '{v}' is not semver"),
    )
});

sdk_fn!(pkg_runtime, |ctx| {
    let r = ctx.hello.sdk.runtime.clone();
    ensure(!r.trim().is_empty(), || {
        "the driver's hello names no runtime".into()
    })
});
