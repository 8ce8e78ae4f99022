#!/bin/sh
# Installs the reference tools the transport benchmarks compare porta with: iperf3 (TCP throughput
# on loopback, the physical limit) and sockperf (UDP request/response latency). Debian/Ubuntu, as root
# (or with sudo). Does nothing for a tool that is already installed. Run: sh bench/install-tools.sh
set -eu
missing=""
for tool in iperf3 sockperf; do
  command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
if [ -z "$missing" ]; then
  echo "iperf3 and sockperf already installed"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
# iperf3's package asks whether to start a daemon; the benchmarks start their own server.
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $missing
