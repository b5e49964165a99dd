package main

import "fmt"

// runMicrobench is a placeholder until the command is written.
func runMicrobench(args []string) int { fmt.Println("not implemented"); return 2 }
