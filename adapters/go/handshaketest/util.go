package handshaketest

import "log/slog"

// slogDiscard is a logger that drops everything: the default of the kit's clients.
func slogDiscard() *slog.Logger { return slog.New(slog.DiscardHandler) }
