package main

import "fmt"

// runCorpus is a placeholder until the command is written.
func runCorpus(args []string) int { fmt.Println("not implemented"); return 2 }
