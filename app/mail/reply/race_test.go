//go:build race

package reply

// raceEnabled skips timing tests, which the race detector slows tenfold.
const raceEnabled = true
