#!/usr/bin/env python3
"""Reads a docker-compose file and prints, for bash to `source`, what `podman run` needs to start each
service the way compose would: its image, its command split as compose splits a string (shlex), and
its environment. The addresses the file gives its services (networks.*.ipv4_address) are replaced by
LOOPBACK in the arguments and environment, because the test runs every service in one network
namespace on loopback instead of compose's bridge network.

usage: compose_services.py COMPOSE_FILE [LOOPBACK]
prints: services=(name ...); image_<name>=...; args_<name>=(...); env_<name>=(K=V ...)
"""
import re
import shlex
import sys

import yaml


def main():
    path = sys.argv[1]
    loopback = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
    with open(path, encoding="utf-8") as f:
        compose = yaml.safe_load(f)
    services = compose.get("services") or {}
    addresses = set()
    for service in services.values():
        for net in (service.get("networks") or {}).values() if isinstance(service.get("networks"), dict) else []:
            if isinstance(net, dict) and net.get("ipv4_address"):
                addresses.add(net["ipv4_address"])

    def local(text):
        for address in addresses:
            text = re.sub(r"(?<![\d.])" + re.escape(address) + r"(?![\d])", loopback, text)
        return text

    print("services=(" + " ".join(shlex.quote(n) for n in services) + ")")
    for name, service in services.items():
        var = re.sub(r"\W", "_", name)
        command = service.get("command") or []
        args = shlex.split(command) if isinstance(command, str) else [str(a) for a in command]
        env = service.get("environment") or []
        if isinstance(env, dict):
            env = [f"{k}={'' if v is None else v}" for k, v in env.items()]
        print(f"image_{var}={shlex.quote(service['image'])}")
        print(f"args_{var}=(" + " ".join(shlex.quote(local(a)) for a in args) + ")")
        print(f"env_{var}=(" + " ".join(shlex.quote(local(str(e))) for e in env) + ")")


if __name__ == "__main__":
    main()
