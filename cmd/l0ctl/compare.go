package main

import "fmt"

// runCompare is a placeholder until the command is written.
func runCompare(args []string) int { fmt.Println("not implemented"); return 2 }
