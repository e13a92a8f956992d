"""What the engine layer and the application share: errors, the database base and the transaction helper."""
