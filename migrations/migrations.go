// Package migrations holds the SQL schema, one folder per dialect, embedded
// in the binary and applied with goose.
package migrations

import "embed"

// FS holds postgres/*.sql and sqlite/*.sql.
//
//go:embed postgres/*.sql sqlite/*.sql
var FS embed.FS
