"""The TikTok Shop Partner API: authorisation, signed requests, and the orders sync."""
