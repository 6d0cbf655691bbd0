"""A store's plan as a whole: made from the playbooks when the store is created, regenerated
when its profile or stock changes, and rolled forward day by day."""
