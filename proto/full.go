package proto

import (
	"encoding/binary"
	"sync"

	"l0lex/kernel"
)

// The type-4 payload (full result) is, all integers big-endian:
//
//	u8  layout version (FullVersion)
//	u8  origin (1 primary, 2 hedge)
//	u8  P, then P bytes: kernel path ("avx2", "purego", ...)
//	u32 doc_len     bytes of the lexed document
//	u32 n_tokens
//	u32 n_names     name-dictionary entries defined in the token section
//	u32 n_issues    issue records at the end
//	u32 n_dropped   issues the server counted but did not store
//	u32 tokens_len  bytes of the token section
//	tokens_len bytes: n_tokens token records (below)
//	n_issues × 20 bytes: u16 code | u8 severity | u8 0 | u32 off | u32 line | u32 col | u32 arg
//
// A token record is a tag byte, then varints (LEB128, minimal length):
//
//	tag bits 0..4  cat: 0 control sequence; 13 active character; 1..12 a
//	               character token with that printed catcode; 21..27 a
//	               character token printed with catcode cat-8 (13..19, the
//	               ^^^^^^ forms above 0x1FFFFF); other values are invalid
//	tag bit 5      G: a gap follows
//	tag bit 6      L: a length follows
//	tag bit 7      0 (reserved)
//	cat != 0       uvarint code point (< 2^21)
//	cat == 0       uvarint ref: k > 0 names dictionary entry k-1; 0 defines
//	               the next entry: uvarint name_len, then the name's bytes
//	G              zigzag varint gap: off = end of the previous token + gap
//	               (the first token's "previous end" is 0); without G, gap 0
//	L              uvarint len; without L the length is the default: the
//	               UTF-8 length of the code point for characters, 1 + the
//	               name's length for control sequences (a plain backslash)
//
// Tokens mostly follow each other (gap 0) and are one byte or one backslash
// plus the name long, so a typical token takes 2 bytes instead of the 12 of
// three u32 arrays, and every control-sequence name crosses the wire once.
// See docs/protocol.md for the reasoning and examples.

// FullVersion is the layout version byte of type-4 payloads.
const FullVersion = 1

// fullFixedMin is the size of a type-4 payload with an empty kernel path, no
// tokens and no issues.
const fullFixedMin = 3 + 6*4

// IssueRecordLen is the size of one issue record in a type-4 payload.
const IssueRecordLen = 20

// Token tag bits.
const (
	tagCatMask  = 0x1F
	tagGap      = 1 << 5
	tagLen      = 1 << 6
	tagReserved = 1 << 7
	catActive   = 13
	catAlias    = 8 // added to a printed catcode above 12 in the tag
	codeLimit   = 1 << 21
)

// wireCat returns the tag's cat field for a token with kind k and printed
// catcode cat, or 0 and false when the layout cannot carry it.
func wireCat(k kernel.Kind, cat uint32) (byte, bool) {
	switch k {
	case kernel.KindControl:
		return 0, cat == 0
	case kernel.KindActive:
		return catActive, cat == catActive
	case kernel.KindChar:
		switch {
		case cat >= 1 && cat <= 12:
			return byte(cat), true
		case cat >= 13 && cat <= 19:
			return byte(cat + catAlias), true
		}
	}
	return 0, false
}

// printedCat returns the kind and printed catcode of a tag's cat field.
func printedCat(field byte) (kernel.Kind, uint32, bool) {
	switch {
	case field == 0:
		return kernel.KindControl, 0, true
	case field == catActive:
		return kernel.KindActive, catActive, true
	case field <= 12:
		return kernel.KindChar, uint32(field), true
	case field >= 13+catAlias && field <= 19+catAlias:
		return kernel.KindChar, uint32(field - catAlias), true
	}
	return 0, 0, false
}

// maxCharRecord bounds a character token's record: tag, a code point of
// at most 21 bits (3 bytes), a gap within ±2^33 (5 bytes), a 32-bit length
// (5 bytes).
const maxCharRecord = 1 + 3 + 5 + 5

// dictSlots is the size of the encoder's name hash table; it stops adding
// names at dictMax entries (later new names are then defined inline again,
// which the layout allows).
const (
	dictSlots = 2048
	dictMax   = dictSlots * 3 / 4
)

// nameDict maps control-sequence names to dictionary indexes while encoding.
// It lives on the encoder's stack (no allocation). A slot holds
// (token index + 1) << 32 | dictionary index; 0 is empty.
type nameDict struct {
	slots [dictSlots]uint64
	n     uint32 // entries defined so far (also those not in slots)
	used  int
}

func nameHash(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// ref returns the dictionary index of name (the name of token tok) and
// whether it is new; a new name gets the next index.
func (d *nameDict) ref(a *kernel.Arena, tok int, name []byte) (uint32, bool) {
	i := nameHash(name) & (dictSlots - 1)
	for {
		s := d.slots[i]
		if s == 0 {
			break
		}
		if string(a.Name(int(s>>32)-1)) == string(name) {
			return uint32(s), false
		}
		i = (i + 1) & (dictSlots - 1)
	}
	idx := d.n
	d.n++
	if d.used < dictMax {
		d.slots[i] = uint64(tok+1)<<32 | uint64(idx)
		d.used++
	}
	return idx, true
}

// FullReplySizeHint returns a capacity for AppendFullReply's dst that is
// enough for typical documents (about 3 bytes per token plus the issues);
// AppendFullReply grows dst when it is not.
func FullReplySizeHint(a *kernel.Arena) int {
	return HeaderLen + fullFixedMin + 16 + 3*a.N + 256 + IssueRecordLen*len(a.Issues())
}

// activePath is the name of kernel.Active()'s path, computed once (the path
// is chosen at process start and does not change).
var activePath = sync.OnceValue(func() string {
	p, _ := kernel.Active()
	return p.String()
})

// AppendFullReply appends a complete type-4 frame with the full result held
// in a (the last document lexed into it) and returns the extended slice. The
// kernel path recorded is kernel.Active()'s. It allocates nothing when dst
// has enough capacity.
func AppendFullReply(dst []byte, reqID uint64, origin uint8, a *kernel.Arena) []byte {
	return AppendFullReplyPath(dst, reqID, origin, activePath(), a)
}

// AppendFullReplyPath is AppendFullReply for a document lexed with a given
// kernel path (kernel.LexWith); path is cut to 255 bytes.
func AppendFullReplyPath(dst []byte, reqID uint64, origin uint8, path string, a *kernel.Arena) []byte {
	start := len(dst)
	dst = AppendHeader(dst, Header{Type: TypeReplyFull, ReqID: reqID})
	ps := cut255(path)
	dst = append(dst, FullVersion, origin, byte(len(ps)))
	dst = append(dst, ps...)
	issues := a.Issues()
	counts := len(dst)
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(a.Source())))
	dst = binary.BigEndian.AppendUint32(dst, uint32(a.N))
	dst = binary.BigEndian.AppendUint32(dst, 0) // n_names, patched below
	dst = binary.BigEndian.AppendUint32(dst, uint32(len(issues)))
	dst = binary.BigEndian.AppendUint32(dst, uint32(a.DroppedIssues()))
	dst = binary.BigEndian.AppendUint32(dst, 0) // tokens_len, patched below
	tokStart := len(dst)

	var dict nameDict
	var prevEnd int64
	val, offs, lens := a.Val[:a.N], a.Off[:a.N], a.Len[:a.N]
	for i, v := range val {
		off, ln := offs[i], uint32(lens[i])
		if ln == kernel.LongLen {
			ln = a.TokenLen(i)
		}
		kind := kernel.ValKind(v)
		var cat byte
		switch kind {
		case kernel.KindActive:
			cat = catActive
		case kernel.KindChar:
			cat = byte(kernel.ValCat(v))
			if cat > 12 {
				cat += catAlias
			}
		}
		if kind != kernel.KindControl && cap(dst)-len(dst) >= maxCharRecord {
			// Fast path: write the record in place.
			n := len(dst)
			b := dst[n : n+maxCharRecord]
			code := kernel.ValCode(v)
			w, def := 2, uint32(1)
			if code < 0x80 {
				b[1] = byte(code)
			} else {
				w = 1 + binary.PutUvarint(b[1:4], uint64(code))
				def = uint32(kernel.UTF8Len(code))
			}
			tag := cat
			if gap := int64(off) - prevEnd; gap != 0 {
				tag |= tagGap
				w += binary.PutVarint(b[w:], gap)
			}
			if ln != def {
				tag |= tagLen
				w += binary.PutUvarint(b[w:], uint64(ln))
			}
			b[0] = tag
			dst = dst[:n+w]
			prevEnd = int64(off) + int64(ln)
			continue
		}
		tagAt := len(dst)
		dst = append(dst, cat)
		var def uint32
		if kind == kernel.KindControl {
			name := a.Name(i)
			idx, isNew := dict.ref(a, i, name)
			if isNew {
				dst = append(dst, 0)
				dst = binary.AppendUvarint(dst, uint64(len(name)))
				dst = append(dst, name...)
			} else {
				dst = binary.AppendUvarint(dst, uint64(idx)+1)
			}
			def = 1 + uint32(len(name))
		} else {
			code := kernel.ValCode(v)
			if code < 0x80 {
				dst = append(dst, byte(code))
			} else {
				dst = binary.AppendUvarint(dst, uint64(code))
			}
			def = uint32(kernel.UTF8Len(code))
		}
		tag := cat
		if gap := int64(off) - prevEnd; gap != 0 {
			tag |= tagGap
			dst = binary.AppendVarint(dst, gap)
		}
		if ln != def {
			tag |= tagLen
			dst = binary.AppendUvarint(dst, uint64(ln))
		}
		dst[tagAt] = tag
		prevEnd = int64(off) + int64(ln)
	}
	binary.BigEndian.PutUint32(dst[counts+8:], dict.n)
	binary.BigEndian.PutUint32(dst[counts+20:], uint32(len(dst)-tokStart))

	for _, is := range issues {
		dst = binary.BigEndian.AppendUint16(dst, uint16(is.Code))
		dst = append(dst, byte(is.Code.Severity()), 0)
		dst = binary.BigEndian.AppendUint32(dst, is.Off)
		dst = binary.BigEndian.AppendUint32(dst, is.Line)
		dst = binary.BigEndian.AppendUint32(dst, is.Col)
		dst = binary.BigEndian.AppendUint32(dst, is.Arg)
	}
	binary.BigEndian.PutUint32(dst[start+12:], uint32(len(dst)-start-HeaderLen))
	return dst
}
