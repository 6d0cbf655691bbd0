"""The seller's own data in: Seller Center exports read into sales, orders, lives, followers."""
