"""The territory's dashboard and its emerging themes (moderators only)."""
