// Package wire holds the wire-format checks of the generated Go code: the callback_token field
// numbers that deployed Stigmer services read, byte-stable round trips, and unknown-field survival.
// The same checks run in Python (tests/test_wire_format.py) and Java (WireFormatTest).
package wire
