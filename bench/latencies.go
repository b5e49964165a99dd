package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
)

// WriteLatencies writes one latency in milliseconds per line (the older
// gate's input format), skipping negative entries (requests without a correct
// reply).
func WriteLatencies(w io.Writer, lat []int64) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	for _, ns := range lat {
		if ns < 0 {
			continue
		}
		buf = strconv.AppendFloat(buf[:0], float64(ns)/1e6, 'f', 4, 64)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("cannot write latencies: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("cannot write latencies: %w", err)
	}
	return nil
}

// WriteLatencyFile writes lat to path with WriteLatencies.
func WriteLatencyFile(path string, lat []int64) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("cannot create the latency file: %w", err)
	}
	if err := WriteLatencies(f, lat); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("cannot close the latency file: %w", err)
	}
	return nil
}
