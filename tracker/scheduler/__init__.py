"""The scheduler: a tick every so often that rolls plans forward and sends what is due."""
