// SPDX-License-Identifier: GPL-2.0
/* A child process for the attach tests: it waits for commands on stdin and answers "done <n>" on
 * stdout once it has carried one out, so a test knows exactly when the events it caused are over.
 *   call N          calls managedbpf_probe_target N times (uprobe target in this executable)
 *   getppid N       calls getppid() N times (a syscall tracepoint, and a uprobe target in libc)
 *   sleep N         sleeps 1 ms N times (each sleep switches the task out: sched_switch)
 *   udp N PORT ADDR opens a UDP socket and sends N one-byte datagrams to ADDR:PORT
 *   usdt N          fires the USDT probe managedbpf:args N times, alternating between its two sites
 *                   (iteration i passes i+1 to both); answers the semaphore's value
 *   semaphore       answers the value of the probe's semaphore (the kernel counts attached uprobes in it)
 *   setjmp N        calls setjmp() N times (glibc built with systemtap probes has libc:setjmp there)
 *   exit
 * The probe's six arguments, for iteration value v: (signed char)-v, (unsigned short)(60000 + v),
 * (int)(-100000 * v), a long kept on the stack (0x123456789 + v, read from memory), the constant -42,
 * and (unsigned long)(0xfedcba9876543210 ^ v). */
#define _SDT_HAS_SEMAPHORES 1
#include <arpa/inet.h>
#include <setjmp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <sys/sdt.h>

/* sys/sdt.h names the semaphore <provider>_<name>_semaphore and records its address in the note. */
unsigned short managedbpf_args_semaphore __attribute__((unused, section(".probes")));

__attribute__((noinline, used)) int managedbpf_probe_target(int x)
{
	__asm__ volatile("" ::: "memory");
	return x + 1;
}

/* Two call sites of one probe: two notes, whose argument strings gcc may spell alike or not. */
#define FIRE_ARGS(v)                                                                           \
	do {                                                                                   \
		volatile long on_stack = 0x123456789L + (long)(v);                              \
		STAP_PROBE6(managedbpf, args, (signed char)-(long)(v), (unsigned short)(60000 + (v)), \
			    (int)(-100000 * (long)(v)), on_stack, -42,                          \
			    (unsigned long)(0xfedcba9876543210UL ^ (unsigned long)(v)));        \
	} while (0)

__attribute__((noinline)) void managedbpf_usdt_site_a(unsigned long v)
{
	FIRE_ARGS(v);
}

__attribute__((noinline)) void managedbpf_usdt_site_b(unsigned long v)
{
	FIRE_ARGS(v);
}

int main(void)
{
	char line[256];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		char cmd[32] = "", addr[64] = "127.0.0.1";
		unsigned long n = 0, port = 0, i;
		long result = 0;

		if (sscanf(line, "%31s %lu %lu %63s", cmd, &n, &port, addr) < 1)
			continue;
		if (!strcmp(cmd, "exit"))
			return 0;
		if (!strcmp(cmd, "call")) {
			for (i = 0; i < n; i++)
				result += managedbpf_probe_target((int)i);
		} else if (!strcmp(cmd, "getppid")) {
			for (i = 0; i < n; i++)
				result += getppid();
		} else if (!strcmp(cmd, "sleep")) {
			struct timespec ms = { 0, 1000000 };

			for (i = 0; i < n; i++)
				nanosleep(&ms, NULL);
		} else if (!strcmp(cmd, "usdt")) {
			for (i = 0; i < n; i++) {
				if (i % 2 == 0)
					managedbpf_usdt_site_a(i + 1);
				else
					managedbpf_usdt_site_b(i + 1);
			}
			result = managedbpf_args_semaphore;
		} else if (!strcmp(cmd, "semaphore")) {
			result = *(volatile unsigned short *)&managedbpf_args_semaphore;
		} else if (!strcmp(cmd, "setjmp")) {
			for (i = 0; i < n; i++) {
				jmp_buf env;

				result += setjmp(env);
			}
		} else if (!strcmp(cmd, "udp")) {
			struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((unsigned short)port) };
			int s = socket(AF_INET, SOCK_DGRAM, 0);

			inet_pton(AF_INET, addr, &to.sin_addr);
			for (i = 0; i < n; i++)
				result += sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
			close(s);
		}
		printf("done %ld\n", result);
	}
	return 0;
}
