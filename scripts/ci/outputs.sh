#!/usr/bin/env bash
# Sourced by the scripts that read what a ragops command wrote with --github-output FILE (name=value lines).

# output FILE NAME: the last value of NAME in FILE (empty when absent).
output() {
  sed -n "s/^$2=//p" "$1" | tail -n 1
}
