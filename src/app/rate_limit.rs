//! Per-client token buckets. Generous enough that a room full of people
//! behind one NAT can all check in; the limit is an option of `serve`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

const SHARDS: usize = 16;

/// A rate limit: `per_minute` requests per client, with bursts up to `burst`.
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    shards: Vec<Mutex<HashMap<IpAddr, (f64, Instant)>>>,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "RateLimiter({}/min, burst {})",
            self.per_second * 60.0,
            self.burst
        )
    }
}

impl RateLimiter {
    pub fn new(per_minute: u32, burst: u32) -> Self {
        Self {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Takes one token for `ip`; `false` when the client must wait. A limit
    /// of 0 per minute means no limit.
    pub fn allow(&self, ip: IpAddr) -> bool {
        if self.per_second == 0.0 {
            return true;
        }
        let shard = match ip {
            IpAddr::V4(a) => a.octets()[3] as usize,
            IpAddr::V6(a) => a.octets()[15] as usize,
        } % SHARDS;
        let Ok(mut map) = self.shards[shard].lock() else {
            return true;
        };
        let now = Instant::now();
        if map.len() > 100_000 {
            // Forget clients whose bucket has refilled.
            let (rate, burst) = (self.per_second, self.burst);
            map.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = map.entry(ip).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.per_second).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_are_allowed_then_refused_per_client() {
        let limit = RateLimiter::new(60, 3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!((0..3).all(|_| limit.allow(a)));
        assert!(!limit.allow(a));
        assert!(limit.allow(b));
    }
}
