package fakeshopify

import (
	"fmt"
	"time"
)

// Fault is a scripted misbehaviour for the next request it applies to.
type Fault struct {
	kind     faultKind
	delay    time.Duration
	messages []string
}

type faultKind int

const (
	faultThrottled faultKind = iota + 1
	faultTooManyRequests
	faultServerError
	faultDelay
	faultUserErrors
	faultLostResponse
)

// Throttled answers HTTP 200 with a THROTTLED error, reporting a bucket one
// second of refill short of the request's cost.
func Throttled() Fault { return Fault{kind: faultThrottled} }

// TooManyRequests answers HTTP 429 with a Retry-After of retryAfter.
func TooManyRequests(retryAfter time.Duration) Fault {
	return Fault{kind: faultTooManyRequests, delay: retryAfter}
}

// ServerError answers HTTP 500 without doing anything.
func ServerError() Fault { return Fault{kind: faultServerError} }

// Delay holds the request for d (or until the client gives up), then serves
// it normally.
func Delay(d time.Duration) Fault { return Fault{kind: faultDelay, delay: d} }

// UserErrors makes the next fulfillmentCreate fail with these userErrors
// messages (field ["fulfillment"]) and change nothing. Queries pass it by.
func UserErrors(messages ...string) Fault {
	if len(messages) == 0 {
		messages = []string{"Fulfillment order does not exist."}
	}
	return Fault{kind: faultUserErrors, messages: messages}
}

// LostResponse carries out the next fulfillmentCreate, then answers HTTP
// 500, as when the answer is lost on the way back: the client cannot know it
// succeeded. Queries pass it by (for them it would be a plain ServerError).
func LostResponse() Fault { return Fault{kind: faultLostResponse} }

func (f Fault) String() string {
	switch f.kind {
	case faultThrottled:
		return "Throttled"
	case faultTooManyRequests:
		return fmt.Sprintf("TooManyRequests(%s)", f.delay)
	case faultServerError:
		return "ServerError"
	case faultDelay:
		return fmt.Sprintf("Delay(%s)", f.delay)
	case faultUserErrors:
		return fmt.Sprintf("UserErrors(%q)", f.messages)
	case faultLostResponse:
		return "LostResponse"
	}
	return "none"
}

// Script queues faults. Each request takes the fault at the head of the
// queue, if that fault applies to it (UserErrors and LostResponse apply only
// to fulfillmentCreate; every other fault to any request), and is then served
// with it. Requests refused 401 take nothing.
func (s *Server) Script(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// nextFault pops the head fault if it applies to op. The caller holds mu.
func (s *Server) nextFault(op string) (Fault, bool) {
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	if (f.kind == faultUserErrors || f.kind == faultLostResponse) && !mutating(op) {
		return Fault{}, false
	}
	s.faults = s.faults[1:]
	return f, true
}
