//go:build unix

package reply

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time this process has used. Timing tests measure it
// instead of the wall clock so that other load on the machine does not
// distort them.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
