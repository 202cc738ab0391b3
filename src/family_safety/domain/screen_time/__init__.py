"""Screen time across devices, the pure part: used time as a union of intervals per local day,
local days across clock changes, usage report checks and the status answer.

No I/O and no clock: "now" is always an argument, so the HTTP layer decides when it is.
"""
