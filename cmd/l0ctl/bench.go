package main

import "fmt"

// runBench is a placeholder until the command is written.
func runBench(args []string) int { fmt.Println("not implemented"); return 2 }
