"""Database access: the engine, the models and the migration gate."""
