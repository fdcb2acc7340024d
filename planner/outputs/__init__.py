"""An estimate for people and programs: CSV, JSON and table export, the Excel budget pack, the
scenario in a link, the ``size`` command's reports. The top layer of the library.
"""
