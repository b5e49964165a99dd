package main

import "fmt"

// runGate is a placeholder until the command is written.
func runGate(args []string) int { fmt.Println("not implemented"); return 2 }
