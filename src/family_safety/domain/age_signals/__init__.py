"""Age signals: an age range an app store or operating system declared, relayed by a trusted
issuer, verified, and applied to the account's age (``ages.birthdays``)."""
