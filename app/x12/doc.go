// Package x12 reads and writes ANSI X12 documents, the EDI format suppliers use
// to trade purchase orders (850), acknowledgments (855, 997), ship notices (856),
// invoices (810), inventory (846) and catalogs (832).
//
// Parse splits a file into interchanges (ISA/IEA), functional groups (GS/GE) and
// transaction sets (ST/SE) without knowing anything about the sets themselves;
// the typed decoders (Transaction.PurchaseOrder, Transaction.ShipNotice, ...) then
// read one set each. Encode and the Set methods of the typed documents write X12;
// Marshal writes a parsed File back out.
//
// # Hard errors and warnings
//
// Parse stops with a *SyntaxError only when it cannot tell where things are:
//   - no data, no ISA at the start, an ISA cut short or with unreadable or
//     clashing delimiters;
//   - a segment with no terminator at the end of the data, or whose ID is not
//     an X12 segment ID (garbage);
//   - envelopes that do not nest: ST outside GS, GS outside ISA, SE/GE/IEA
//     without their header, a header whose trailer never comes (missing SE, GE
//     or IEA), data segments outside a transaction set, data after IEA that is
//     not another ISA.
//
// Everything else that breaks the standard but leaves the structure readable is
// a warning (File.Warnings, and on the Interchange, Group or Transaction it
// concerns), so the caller can still answer with a 997 saying what was wrong:
//   - a trailer count that disagrees (SE01, GE01, IEA01);
//   - a trailer control number that differs from its header's (SE02, GE02, IEA02);
//   - a control number used twice (ST02 within a group, GS06 within an
//     interchange, ISA13 within a file);
//   - an empty segment (two terminators in a row) inside an interchange.
//
// Published samples do all of these; see the fixture tests.
package x12
