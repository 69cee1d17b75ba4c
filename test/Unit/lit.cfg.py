# -*- Python -*- lit configuration for the gtest unit tests.

import os

import lit.formats

config.name = "FLASHATTN-Unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.fa_obj_root, "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
