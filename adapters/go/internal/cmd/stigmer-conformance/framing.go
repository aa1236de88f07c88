package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"

	"google.golang.org/protobuf/proto"

	conformancev1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/conformance/v1"
)

// maxFrame is the largest frame accepted or written; a vector or response is far smaller. It is
// the runner's limit too.
const maxFrame = 64 * 1024 * 1024

// errTruncated reports a stream that ended inside a frame.
var errTruncated = errors.New("stream ended inside a frame")

// readFrame reads one frame (a 4-byte big-endian length, then that many bytes) from r and decodes
// it into m. It returns io.EOF, unwrapped, when the stream ends cleanly between frames, and an
// error wrapping errTruncated when it ends inside one.
func readFrame(r io.Reader, m proto.Message) error {
	var header [4]byte
	if _, err := io.ReadFull(r, header[:]); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("frame header: %w", errTruncated)
		}
		return err // io.EOF at a clean end, or a read error
	}
	n := binary.BigEndian.Uint32(header[:])
	if n > maxFrame {
		return fmt.Errorf("frame of %d bytes is over the limit of %d", n, maxFrame)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return fmt.Errorf("frame of %d bytes: %w", n, errTruncated)
		}
		return err
	}
	if err := proto.Unmarshal(data, m); err != nil {
		return fmt.Errorf("decoding a %d-byte frame: %w", n, err)
	}
	return nil
}

// appendFrame appends the frame of m to b.
func appendFrame(b []byte, m proto.Message) ([]byte, error) {
	data, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	if err != nil {
		return nil, err
	}
	if len(data) > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes is over the limit of %d", len(data), maxFrame)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(b, data...), nil
}

// frameWriter writes HarnessResponse frames to the runner. It is safe for concurrent use: events
// are written from activity and gRPC goroutines while responses are written from the main loop,
// and each frame is written whole in a single Write.
type frameWriter struct {
	mu sync.Mutex
	w  io.Writer
}

// write writes one response frame.
func (f *frameWriter) write(resp *conformancev1.HarnessResponse) error {
	frame, err := appendFrame(nil, resp)
	if err != nil {
		return fmt.Errorf("encoding a response: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.w.Write(frame); err != nil {
		return fmt.Errorf("writing a response: %w", err)
	}
	return nil
}

// event writes an unsolicited event (request_id 0).
func (f *frameWriter) event(ev *conformancev1.Event) error {
	return f.write(&conformancev1.HarnessResponse{Response: &conformancev1.HarnessResponse_Event{Event: ev}})
}
