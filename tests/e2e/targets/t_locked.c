// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Functions whose first instruction has a lock prefix: no uprobe can sit there. */
#include "common.h"

asm(".text\n"
    ".globl a_rather_long_function_name_that_starts_with_a_locked_instruction_number_0\n.type "
    "a_rather_long_function_name_that_starts_with_a_locked_instruction_number_0, "
    "@function\na_rather_long_function_name_that_starts_with_a_locked_instruction_number_0:"
    "\n\tlock incl (%rdi)\n\tret\n"
    ".globl a_rather_long_function_name_that_starts_with_a_locked_instruction_number_1\n.type "
    "a_rather_long_function_name_that_starts_with_a_locked_instruction_number_1, "
    "@function\na_rather_long_function_name_that_starts_with_a_locked_instruction_number_1:"
    "\n\tlock incl (%rdi)\n\tret\n"
    ".globl a_rather_long_function_name_that_starts_with_a_locked_instruction_number_2\n.type "
    "a_rather_long_function_name_that_starts_with_a_locked_instruction_number_2, "
    "@function\na_rather_long_function_name_that_starts_with_a_locked_instruction_number_2:"
    "\n\tlock incl (%rdi)\n\tret\n"
    ".globl a_rather_long_function_name_that_starts_with_a_locked_instruction_number_3\n.type "
    "a_rather_long_function_name_that_starts_with_a_locked_instruction_number_3, "
    "@function\na_rather_long_function_name_that_starts_with_a_locked_instruction_number_3:"
    "\n\tlock incl (%rdi)\n\tret\n"
    ".globl a_rather_long_function_name_that_starts_with_a_locked_instruction_number_4\n.type "
    "a_rather_long_function_name_that_starts_with_a_locked_instruction_number_4, "
    "@function\na_rather_long_function_name_that_starts_with_a_locked_instruction_number_4:"
    "\n\tlock incl (%rdi)\n\tret\n"
    ".globl a_rather_long_function_name_that_starts_with_a_locked_instruction_number_5\n.type "
    "a_rather_long_function_name_that_starts_with_a_locked_instruction_number_5, "
    "@function\na_rather_long_function_name_that_starts_with_a_locked_instruction_number_5:"
    "\n\tlock incl (%rdi)\n\tret\n");

void a_rather_long_function_name_that_starts_with_a_locked_instruction_number_0(int *p);

int main(int argc, char **argv)
{
	int x = 0;

	target_start(argc, argv);
	a_rather_long_function_name_that_starts_with_a_locked_instruction_number_0(&x);
	fprintf(tlog, "%d\n", x);
	return 0;
}
