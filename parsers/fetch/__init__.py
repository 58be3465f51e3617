"""HTTP fetching, the only httpx user: politeness per host, robots, retries, SSRF guard, bounded decoding."""
